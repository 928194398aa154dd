"""The series kernels: reading at fractional times (exact at whole samples, linear between,
zero past each length) and natural cubic splines against SciPy's."""

import numpy as np
import torch
from scipy.interpolate import CubicSpline

from augmentlab.ops.kernels.series import knot_curves, natural_spline, read_at


def test_read_at_whole_positions_is_the_identity_and_respects_lengths():
    x = torch.randn(3, 2, 10, generator=torch.Generator().manual_seed(0))
    lengths = torch.tensor([10, 7, 4])
    x[1, :, 7:] = 0
    x[2, :, 4:] = 0
    same = read_at(x, torch.arange(10.0).expand(3, 10), lengths)
    assert torch.equal(same, x)
    half = read_at(x, torch.arange(10.0).expand(3, 10) + 0.5, lengths)
    assert torch.allclose(half[0, :, :9], (x[0, :, :9] + x[0, :, 1:]) / 2)
    assert torch.equal(half[1, :, 6], x[1, :, 6]) and not half[1, :, 7:].any()  # clamped to the last sample, zero after


def test_natural_spline_matches_scipy():
    rng = np.random.default_rng(1)
    knots = np.sort(rng.uniform(0, 10, 6))
    values = rng.normal(size=(4, 6))
    at = np.linspace(knots[0], knots[-1], 57)
    ours = natural_spline(torch.from_numpy(knots), torch.from_numpy(values), torch.from_numpy(at)).numpy()
    theirs = CubicSpline(knots, values, axis=1, bc_type="natural")(at)
    assert np.allclose(ours, theirs, atol=1e-10)
    two = natural_spline(torch.tensor([0.0, 1.0]), torch.tensor([[1.0, 3.0]]), torch.tensor([0.5]))
    assert torch.allclose(two, torch.tensor([[2.0]], dtype=torch.float64))  # two knots: a straight line


def test_knot_curves_span_each_series_own_length():
    values = torch.tensor([[1.0, 2.0, 0.5, 1.5], [1.0, 2.0, 0.5, 1.5]], dtype=torch.float64)
    curves = knot_curves(values, torch.tensor([31, 16]), 31)
    assert torch.allclose(curves[0, [0, 10, 20, 30]], values[0])
    assert torch.allclose(curves[1, [0, 5, 10, 15]], values[1]) and torch.allclose(curves[1, 15:], values[1, -1].expand(16))
