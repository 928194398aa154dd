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


def _check_monotone_with_endpoints(pos, lengths):
    for row, length in zip(pos, lengths.tolist()):
        used = row[:length]
        assert abs(float(used[0])) < 1e-9 and abs(float(used[-1]) - (length - 1)) < 1e-9
        assert bool((used[1:] >= used[:-1] - 1e-12).all())


def test_time_warp_keeps_endpoints_and_order_and_is_identity_at_constant_speed():
    from augmentlab.ops.kernels.series import time_warp_positions

    lengths = torch.tensor([20, 12])
    speed = 1.0 + 0.5 * torch.randn(2, 20, generator=torch.Generator().manual_seed(2)).clamp(-1.5, 1.5)
    _check_monotone_with_endpoints(time_warp_positions(speed.abs() + 0.1, lengths), lengths)
    flat = time_warp_positions(torch.ones(2, 20), lengths)
    assert torch.allclose(flat[0], torch.arange(20.0, dtype=torch.float64)) and torch.allclose(flat[1, :12], torch.arange(12.0, dtype=torch.float64))


def test_window_slice_reads_its_window_and_is_identity_at_ratio_one():
    from augmentlab.ops.kernels.series import window_slice_positions

    lengths = torch.tensor([11])
    assert torch.allclose(window_slice_positions(torch.tensor([0.3]), torch.tensor([1.0]), lengths, 11)[0], torch.arange(11.0, dtype=torch.float64))
    pos = window_slice_positions(torch.tensor([1.0]), torch.tensor([0.5]), lengths, 11)[0]
    assert abs(float(pos[0]) - 5.0) < 1e-9 and abs(float(pos[-1]) - 10.0) < 1e-9  # the last half, stretched


def test_window_warp_keeps_endpoints_and_order_and_is_identity_at_scale_one():
    from augmentlab.ops.kernels.series import window_warp_positions

    lengths = torch.tensor([30, 17, 30])
    start, width = torch.tensor([0.2, 0.9, 0.0]), torch.tensor([0.3, 0.2, 0.5])
    for scale in (0.5, 2.0):
        _check_monotone_with_endpoints(window_warp_positions(start, width, torch.full((3,), scale), lengths, 30), lengths)
    same = window_warp_positions(start, width, torch.ones(3), lengths, 30)
    assert torch.allclose(same[0], torch.arange(30.0, dtype=torch.float64))
    slow = window_warp_positions(torch.tensor([0.0]), torch.tensor([0.5]), torch.tensor([2.0]), torch.tensor([21]), 21)[0]
    # samples 0-10 stretched twice: 20 of the 30 warped steps, so two thirds of the output; step 10 reads 7.5, step 15 reads 12.5
    assert abs(float(slow[10]) - 7.5) < 1e-9 and abs(float(slow[15]) - 12.5) < 1e-9 and abs(float(slow[20]) - 20.0) < 1e-9
