import pytest
import torch

from augmentlab.ops import create_op
from augmentlab.ops.image import point_means
from augmentlab.ops.image.fusion import _fused_warp
from augmentlab.ops.image.point import apply_point_chain, chain_stats
from augmentlab.ops.image.point_means import PixelMeans
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

    seq = Sequential([create_op("rotate", m=0.3), create_op("hflip"), create_op("gamma", m=0.3), create_op("contrast", m=0.5)])
    x = images(6, 3, (size, size))
    params = seq.sample(torch.Generator().manual_seed(2), 6, (3, size, size))
    pairs = list(zip(seq.children, params["children"]))
    warped, hist = _fused_warp(x, pairs[:2], for_chain=pairs[2:])
    assert isinstance(hist, torch.Tensor)  # gamma is not affine: contrast's mean needs the histogram
    assert torch.equal(hist, histogram_u8(warped))
    assert torch.equal(seq.apply(x, params), apply_point_chain(warped, pairs[2:]))


@pytest.mark.parametrize("size", [16, 72])
def test_means_taken_during_the_warp_match_a_separate_pass(size, monkeypatch):
    monkeypatch.setattr(point_means, "PLAN_MIN_VALUES", 0)  # small batches take the histogram
    seq = Sequential([create_op("rotate", m=0.3), create_op("hflip"), create_op("brightness", m=0.5), create_op("contrast", m=0.5)])
    x = images(6, 3, (size, size))
    params = seq.sample(torch.Generator().manual_seed(2), 6, (3, size, size))
    pairs = list(zip(seq.children, params["children"]))
    warped, means = _fused_warp(x, pairs[:2], for_chain=pairs[2:])
    assert isinstance(means, PixelMeans)  # brightness is affine: the mean needs no histogram
    assert torch.equal(means.means, chain_stats(warped, pairs[2:]).means)
    assert torch.equal(seq.apply(x, params), apply_point_chain(warped, pairs[2:]))


def test_a_sequence_inside_one_of_runs_only_on_the_samples_that_chose_it():
    policy = OneOf([Sequential([create_op("invert"), create_op("invert"), create_op("invert")]), create_op("identity")])
    x = images(16, 3, (4, 4))
    params = policy.sample(torch.Generator().manual_seed(0), 16, tuple(x.shape[1:]))
    chosen = params["children"][0]["apply"]
    assert 0 < int(chosen.sum()) < 16
    y = policy.apply(x, params)
    inverted = torch.tensor([bool((y[i] == 255 - x[i]).all()) for i in range(16)])
    assert torch.equal(inverted, chosen)


def test_augmix_chains_apply_at_most_their_drawn_depth():
    policy = AugMix(m=0.5, width=3, depth=3)
    params = policy.sample(torch.Generator().manual_seed(0), 64, (3, 8, 8))
    lengths = []
    for chain in params["children"]:
        # a step applies to a sample when one of its ops does
        steps = torch.stack([torch.stack([op["apply"] for op in step["children"]]).any(0) for step in chain["children"]])
        lengths.append(steps.sum(0))
        # the steps applied are the first ones: 1..depth of them
        assert bool((steps[1:] <= steps[:-1]).all())
    lengths = torch.stack(lengths)
    assert int(lengths.min()) >= 1 and int(lengths.max()) <= 3
    assert len(set(lengths.flatten().tolist())) == 3  # every depth occurs, not always the deepest


def test_autoaugment_gives_each_sample_one_sub_policy():
    from augmentlab.policy import load_policy

    policy = load_policy("autoaugment-cifar10")
    params = policy.sample(torch.Generator().manual_seed(0), 256, (3, 8, 8))
    # an op of a sub-policy a sample did not draw never applies to it
    for sub in params["children"]:
        for op in sub["children"]:
            assert not bool((op["apply"] & ~sub["apply"]).any())
    touched = torch.stack([torch.stack([op["apply"] for op in sub["children"]]).any(0) for sub in params["children"]])
    assert int(touched.sum(0).max()) == 1


def test_one_of_on_each_childs_samples_equals_masked_passes_over_the_batch():
    from augmentlab.policy.compose import Node

    children = [Sequential([create_op("rotate", m=0.5), create_op("contrast", m=0.5)]), create_op("hflip", p=1.0),
                create_op("solarize", m=0.5, p=0.5), create_op("gaussian_noise", m=0.3)]
    policy = OneOf(children, p=0.8)
    for dtype in (torch.uint8, torch.float32):
        x = images(32, 3, (12, 12))
        x = x if dtype == torch.uint8 else x.float() / 255
        params = policy.sample(torch.Generator().manual_seed(1), 32, tuple(x.shape[1:]))
        assert torch.equal(policy.apply(x, params), Node.apply(policy, x, params))  # every child in turn, masked


def test_augmix_mixes_slices_as_it_would_the_whole_batch():
    from augmentlab.ops.kernels.chunks import CHUNK_VALUES

    policy = AugMix(m=0.5)
    x = images(60, 3, (64, 64))
    assert x[0].numel() * 60 > 2 * CHUNK_VALUES
    params = policy.sample(torch.Generator().manual_seed(2), 60, tuple(x.shape[1:]))
    chains = [chain.apply(x, cp) for chain, cp in zip(policy.children, params["children"])]
    whole = AugMix._mix(x, {"apply": params["apply"], "weights": params["weights"], "mix": params["mix"], "chains": chains})
    assert torch.equal(policy.apply(x, params), whole)
