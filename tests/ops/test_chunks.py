"""in_chunks: a kernel run slice by slice gives the bytes of one call on the whole batch."""

import pytest
import torch

from augmentlab.ops import create_op
from augmentlab.ops.kernels.backend import torch_kernels
from augmentlab.ops.kernels.chunks import CHUNK_VALUES, in_chunks
from tests.conftest import images


@pytest.mark.parametrize("name", ["saturation", "grayscale", "sharpness", "gaussian_noise", "cutout"])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_chunked_ops_match_one_call(name, dtype):
    x = images(50, 3, (64, 64))
    x = x if dtype == torch.uint8 else x.float() / 255
    assert x[0].numel() * len(x) > 2 * CHUNK_VALUES  # at least three slices
    op = create_op(name, m=0.7, p=1.0)
    params = op.sample(torch.Generator().manual_seed(0), len(x), tuple(x.shape[1:]))
    sliced = op.apply(x, params)
    with torch_kernels():  # not native CPU: one call
        whole = op.apply(x, params)
    assert torch.equal(sliced, whole)


def test_slices_cover_the_batch_in_order():
    seen = []

    def fn(xs, ps):
        seen.append((len(xs), ps["i"].tolist()))
        return xs + ps["i"].view(-1, 1)

    x = torch.zeros(7, CHUNK_VALUES // 3)
    out = in_chunks(fn, x, {"i": torch.arange(7.0)})
    assert [n for n, _ in seen] == [3, 3, 1] and [i for _, ii in seen for i in ii] == list(range(7))
    assert torch.equal(out[:, 0], torch.arange(7.0))


def test_an_empty_batch_is_one_call():
    out = in_chunks(lambda xs, ps: xs * 2, torch.zeros(0, 3), {})
    assert out.shape == (0, 3)
