import pytest
import torch

from augmentlab.ops import create_op
from augmentlab.ops.image.fusion import _fused_warp
from augmentlab.ops.image.point import apply_point_chain
from augmentlab.ops.kernels.lut import histogram_u8
from augmentlab.policy import AugMix, OneOf, RandAugment, Sequential, SomeOf
from tests.conftest import images


def _applied(params):
    return torch.stack([c["apply"] for c in params["children"]], 1)


def test_one_of_applies_exactly_one_child_per_sample():
    p = OneOf([create_op(n, p=1.0) for n in ("hflip", "vflip", "invert")])
    params = p.sample(torch.Generator().manual_seed(0), 64, (3, 8, 8))
    assert torch.equal(_applied(params).sum(1), torch.ones(64, dtype=torch.long))


def test_some_of_applies_n_children():
    p = SomeOf([create_op(n, p=1.0) for n in ("hflip", "vflip", "invert", "rotate")], n=2)
    params = p.sample(torch.Generator().manual_seed(0), 64, (3, 8, 8))
    assert torch.equal(_applied(params).sum(1), torch.full((64,), 2))


def test_fused_geometric_chain_equals_ops_one_by_one_for_exact_ops():
    ops = [create_op("hflip"), create_op("pad_crop", pad=3), create_op("vflip", p=0.5)]
    seq = Sequential(ops)
    x = images(16, 3, (16, 16))
    params = seq.sample(torch.Generator().manual_seed(1), 16, (3, 16, 16))
    fused = seq.apply(x, params)
    y = x
    for op, pp in zip(ops, params["children"]):
        y = op.apply(y, pp)
    assert torch.equal(fused, y)


def test_fused_point_chain_close_to_ops_one_by_one():
    ops = [create_op("brightness", m=0.3), create_op("contrast", m=0.3), create_op("gamma", m=0.3)]
    seq = Sequential(ops)
    x = images(8, 3, (16, 16))
    params = seq.sample(torch.Generator().manual_seed(1), 8, (3, 16, 16))
    y = x
    for op, pp in zip(ops, params["children"]):
        y = op.apply(y, pp)
    # one LUT skips the intermediate rounding: at most a couple of levels apart
    assert (seq.apply(x, params).float() - y.float()).abs().max() <= 3


def test_presets_are_seeded_and_change_images():
    x = images(8, 3, (32, 32))
    for p in (RandAugment(2, 0.9), AugMix()):
        a = p(x, torch.Generator().manual_seed(5))
        assert torch.equal(a, p(x, torch.Generator().manual_seed(5)))
        assert not torch.equal(a, x)


def test_container_mask_respected_by_fusion():
    seq = Sequential([create_op("rotate", m=0.5), create_op("translate", m=0.5)], p=0.0)
    x = images(4, 3, (16, 16))
    assert torch.equal(seq(x, torch.Generator().manual_seed(0)), x)


@pytest.mark.parametrize("size", [16, 72])  # the interleaved (small) and per-plane (large) OpenCV paths
def test_histogram_taken_during_the_warp_matches_a_separate_pass(size):

    seq = Sequential([create_op("rotate", m=0.3), create_op("hflip"), create_op("brightness", m=0.3), create_op("contrast", m=0.5)])
    x = images(6, 3, (size, size))
    params = seq.sample(torch.Generator().manual_seed(2), 6, (3, size, size))
    pairs = list(zip(seq.children, params["children"]))
    warped, hist = _fused_warp(x, pairs[:2], want_hist=True)
    assert hist is not None
    assert torch.equal(hist, histogram_u8(warped))
    assert torch.equal(seq.apply(x, params), apply_point_chain(warped, pairs[2:]))
