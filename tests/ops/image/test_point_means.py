"""Contrast's mean from sums below two levels, against the histogram it stands in for."""

import pytest
import torch

from augmentlab.ops import create_op
from augmentlab.ops.image import point_means
from augmentlab.ops.image.point import PointOp, apply_point_chain, chain_stats, wmean
from augmentlab.ops.image.point_means import PixelMeans, mean_plan
from augmentlab.ops.kernels.lut import histogram_u8
from tests.conftest import images


@pytest.fixture(autouse=True)
def _plan_any_size(monkeypatch):
    """These batches are small: plan them anyway (``worth_planning`` is tested below)."""
    monkeypatch.setattr(point_means, "PLAN_MIN_VALUES", 0)


def _chain(names, batch, seed, shape=(3, 20, 24)):
    g = torch.Generator().manual_seed(seed)
    chain = []
    for name, m in names:
        op = create_op(name, m=m) if m is not None else create_op(name, p=0.6)
        params = op.sample_params(g, batch, shape)
        params["apply"] = torch.rand(batch, generator=g) < 0.7  # some samples skip each op
        chain.append((op, params))
    return chain


def _prefix_values(chain, batch, channels):
    """The levels through the ops before the mean reader, as ``apply_point_chain`` takes them."""
    v = (torch.arange(256, dtype=torch.float32) / 255.0).expand(batch, channels, 256)
    for op, params in chain:
        if op.needs_stats:
            return v
        out = op.transform(v, None, params).clamp_(0.0, 1.0)
        v = torch.where(params["apply"].view(-1, 1, 1), out, v)
    return v


CHAINS = [
    [("contrast", 0.5)],
    [("brightness", 0.9), ("contrast", 0.5)],  # factors up to 1.9: bright levels clamp at 1
    [("invert", None), ("brightness", 0.8), ("contrast", 0.5)],  # a falling map
    [("brightness", 1.0), ("invert", None), ("brightness", 1.0), ("contrast", 0.3), ("gamma", 0.4)],
]


@pytest.mark.parametrize("names", CHAINS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_means_from_the_sums_equal_the_histogram_weighted_means(names, seed):
    x = images(16, 3, (20, 24), seed=seed)
    x[0] = 255  # a white image: every level in the bright tail
    x[1] = 0
    chain = _chain(names, 16, seed)
    got = chain_stats(x, chain)
    assert isinstance(got, PixelMeans)
    want = wmean(_prefix_values(chain, 16, 3), histogram_u8(x))
    torch.testing.assert_close(got.means, want, rtol=0, atol=2e-6)


@pytest.mark.parametrize("names", CHAINS)
def test_the_chain_through_means_differs_from_the_histogram_path_by_rounding_at_most(names):
    x = images(32, 3, (20, 24), seed=5)
    chain = _chain(names, 32, 5)
    fast = apply_point_chain(x, chain)
    exact = apply_point_chain(x, chain, stats=histogram_u8(x))
    diff = (fast.int() - exact.int()).abs()
    assert int(diff.max()) <= 1
    assert float((diff > 0).float().mean()) < 1e-3


@pytest.mark.parametrize("names", [
    [("gamma", 0.5), ("contrast", 0.5)],  # not affine before the mean
    [("brightness", 0.5), ("contrast", 0.5), ("contrast", 0.5)],  # two readers: the second's pivot needs the first's result
    [("brightness", 0.5), ("autocontrast", None)],  # reads min and max, not a mean
    [("equalize", None)],
])
def test_other_chains_take_the_histogram(names):
    x = images(4, 3, (8, 8))
    chain = _chain(names, 4, 0, (3, 8, 8))
    assert mean_plan(chain, 4, 3) is None
    assert torch.equal(chain_stats(x, chain), histogram_u8(x))


def test_a_flat_map_puts_every_pixel_in_one_tail():
    x = images(3, 1, (5, 7))
    chain = _chain([("brightness", 1.0), ("contrast", 0.5)], 3, 0, (1, 5, 7))
    chain[0][1]["factor"] = torch.zeros(3)  # everything black
    chain[0][1]["apply"] = torch.ones(3, dtype=torch.bool)
    assert torch.equal(chain_stats(x, chain).means, torch.zeros(3, 1, 1))


def test_grey_images_are_planned_per_channel_too():
    x = images(5, 1, (9, 9), seed=3)
    chain = _chain([("brightness", 0.7), ("contrast", 0.7)], 5, 3, (1, 9, 9))
    want = wmean(_prefix_values(chain, 5, 1), histogram_u8(x))
    torch.testing.assert_close(chain_stats(x, chain).means, want, rtol=0, atol=2e-6)


class _Shift(PointOp):
    """v + offset: an affine op whose offset can push every level past one end."""

    name = "test_shift"
    magnitude = None

    def sample_params(self, g, batch, shape):
        return {}

    def transform(self, v, w, params):
        return v + params["offset"].view(-1, 1, 1)

    def affine(self, params):
        return 1.0, params["offset"].view(-1, 1, 1)


@pytest.mark.parametrize("offset", [1.5, -1.5, 0.25])
def test_a_map_pushed_past_one_end_is_that_end(offset):
    x = images(2, 3, (6, 6))
    chain = _chain([("brightness", 0.5), ("contrast", 0.5)], 2, 0, (3, 6, 6))
    shift = (_Shift(), {"offset": torch.full((2,), offset), "apply": torch.ones(2, dtype=torch.bool)})
    chain = [chain[0], shift, chain[1]]
    want = wmean(_prefix_values(chain, 2, 3), histogram_u8(x))
    torch.testing.assert_close(chain_stats(x, chain).means, want, rtol=0, atol=2e-6)


def test_small_batches_take_the_histogram_large_ones_the_sums(monkeypatch):
    monkeypatch.setattr(point_means, "PLAN_MIN_VALUES", 1000)
    chain = _chain([("brightness", 0.5), ("contrast", 0.5)], 4, 0, (3, 8, 8))
    assert isinstance(chain_stats(images(4, 3, (8, 8)), chain), torch.Tensor)  # 768 values
    assert isinstance(chain_stats(images(4, 3, (16, 16)), chain), PixelMeans)  # 3,072
