"""Ops on a series' time axis: time warping, window slicing, window warping and segment
permutation. The warps are monotone and keep each series' first and last step where they
were, so the order of events survives; permutation does not, on purpose."""

from __future__ import annotations

import torch

from augmentlab.ops.kernels.series import (
    knot_curves,
    permutation_index,
    read_at,
    time_warped,
    window_slice_positions,
    window_warp_positions,
)
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.series.base import SeriesOp
from augmentlab.ops.series.values import _KnotOp
from augmentlab.values import check_number

MIN_SPEED = 0.1  # a speed curve is held at or above this, so time never stops or runs back


@register
class TimeWarp(_KnotOp):
    """Time runs at a smoothly varying speed, a curve through knots drawn around 1 (Um et
    al. 2017: 4 interior knots, standard deviation 0.2: m = 0.5); the series is read at the
    warped times, its ends fixed."""

    name = "time_warp"
    family = "time"
    magnitude = Magnitude("speed knot standard deviation", 0.4, "of the speed")
    controls = "speed curve through knots drawn N(1, s²), s up to 0.4·m"
    still = "sigma"

    def sample_params(self, g, batch, shape):
        sigma = self.unsigned(g, batch, 0.4)
        return {"sigma": sigma, "knots": torch.randn(batch, self.knots + 2, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        knots = 1.0 + params["knots"].to(x.device) * params["sigma"].to(x.device).view(-1, 1)
        speed = knot_curves(knots, lengths, x.shape[2]).clamp_min(MIN_SPEED)
        return time_warped(x, speed, lengths)


@register
class WindowSlice(SeriesOp):
    """Window slicing (Le Guennec et al. 2016): a window of the series, placed at random,
    stretched back over the whole length (Iwana & Uchida crop 10 %: m = 0.2)."""

    name = "window_slice"
    family = "time"
    magnitude = Magnitude("share cropped away", 0.5, "of the length")
    controls = "crop away up to 0.5·m of the length, then stretch back"
    still = "crop"

    def sample_params(self, g, batch, shape):
        return {"crop": self.unsigned(g, batch, 0.5), "start": torch.rand(batch, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        positions = window_slice_positions(params["start"], 1.0 - params["crop"], lengths, x.shape[2])
        return read_at(x, positions.to(x.device), lengths)


@register
class WindowWarp(SeriesOp):
    """Window warping (Le Guennec et al. 2016): a window of ``window`` of the length, placed
    at random, slowed down or sped up (Iwana & Uchida: a tenth, by 0.5 or 2: m = 1), then
    the series resampled back to its length."""

    name = "window_warp"
    family = "time"
    magnitude = Magnitude("window speed factor", 1.0, "", signed=True, scale="exp2")
    controls = "the window stretched by 2^(±m)"
    still = "log2_scale"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", window: float = 0.1):
        super().__init__(m, p, mode)
        self.window = check_number(window, "window_warp: window", low=0.0, low_open=True, high=1.0)

    def sample_params(self, g, batch, shape):
        return {"log2_scale": self.signed(g, batch, 1.0), "start": torch.rand(batch, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        width = torch.full_like(params["start"], self.window)
        positions = window_warp_positions(params["start"], width, torch.pow(2.0, params["log2_scale"]), lengths, x.shape[2])
        return read_at(x, positions.to(x.device), lengths)


MAX_CUTS = 4  # Um et al. 2017 permute up to 5 segments


@register
class Permutation(SeriesOp):
    """The series cut into segments at random points, the segments shuffled (Um et al.
    2017). Breaks series whose order of events defines the class."""

    name = "permutation"
    family = "time"
    magnitude = Magnitude("cut points", MAX_CUTS, "cuts", scale="steps")
    controls = "cut into up to 1 + round(4·m) segments, shuffled"
    still = "count"

    def sample_params(self, g, batch, shape):
        top = round(MAX_CUTS * self.m)
        drawn = torch.randint(1, max(top, 1) + 1, (batch,), generator=g)
        count = torch.full((batch,), top) if self.mode == "fixed" else drawn
        count = count if top > 0 else torch.zeros(batch, dtype=torch.int64)
        return {"count": count, "cuts": torch.rand(batch, MAX_CUTS, generator=g, dtype=torch.float64),
                "keys": torch.rand(batch, MAX_CUTS + 1, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        N, C, T = x.shape
        index = permutation_index(params["cuts"], params["count"], params["keys"], lengths.cpu(), T).to(x.device)
        return x.gather(2, index.view(N, 1, T).expand(N, C, T))
