"""The torch kernels (what CUDA runs) agree with the native CPU kernels (numba, OpenCV)
within interpolation tolerance, for every op and for fused policies."""

import pytest
import torch
import torch.nn.functional as F

from augmentlab.ops import REGISTRY, create_op
from augmentlab.ops.kernels.backend import native_cpu, torch_kernels
from augmentlab.policy import parse_policy
from tests.contract_ops import IMAGE_OPS


def _smooth_images(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (6, 3, 28, 28), generator=g, dtype=torch.uint8)
    x = F.avg_pool2d(x.float(), 3, 1, 1).round().to(torch.uint8)  # interpolation-friendly
    return x if dtype == torch.uint8 else x.float() / 255


def _both(op, x):
    params = op.sample(torch.Generator().manual_seed(1), x.shape[0], tuple(x.shape[1:]))
    native = op.apply(x, params)
    with torch_kernels():
        assert not native_cpu(x)
        other = op.apply(x, params)
    scale = 255.0 if x.dtype == torch.uint8 else 1.0
    return (native.float() - other.float()).abs() / scale


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
@pytest.mark.parametrize("name", IMAGE_OPS)
def test_torch_kernels_agree_with_native(name, dtype):
    diff = _both(create_op(name, m=0.6, p=1.0), _smooth_images(dtype))
    assert float(diff.mean()) <= 1.0 / 255 and float(diff.max()) <= 3.0 / 255, name


@pytest.mark.parametrize("spec", ["hflip+pad_crop(pad=4)+rotate(m=0.2)+brightness(m=0.2)+contrast(m=0.2)", "rand-n2-m0.9", "augmix"])
def test_fused_policies_agree_across_backends(spec):
    diff = _both(parse_policy(spec), _smooth_images(torch.uint8))
    assert float(diff.mean()) <= 1.0 / 255 and float(diff.max()) <= 3.0 / 255


def test_switch_is_restored():
    x = torch.zeros(1, 1, 2, 2)
    with torch_kernels():
        assert not native_cpu(x)
    assert native_cpu(x)
    assert {"rotate", "hflip", "swap", "mixup"} <= set(REGISTRY)  # importing augmentlab.ops registers every family
