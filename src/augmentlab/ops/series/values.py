"""Ops on a series' values, its time axis left alone: jitter, scaling, magnitude warping,
drift, rotation (sign flips and channel shuffles)."""

from __future__ import annotations

import torch

from augmentlab.ops.kernels.series import channel_std, hashed_normal, knot_curves
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.series.base import SeriesOp, per_series
from augmentlab.rng import seeds_from
from augmentlab.values import check_number


def per_channel_signed(op, g: torch.Generator, batch: int, channels: int, limit: float) -> torch.Tensor:
    """(N, C) values in [-limit*m, limit*m] (uniform) or ±limit*m (fixed)."""
    amp = limit * op.m
    if op.mode == "fixed":
        return amp * (torch.randint(0, 2, (batch, channels), generator=g) * 2 - 1).double()
    return (torch.rand(batch, channels, generator=g, dtype=torch.float64) * 2 - 1) * amp


def channel_curves(knots: torch.Tensor, lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(N, C, T) smooth curves through ``knots`` (N, C, K), spread over each series' length."""
    N, C, K = knots.shape
    return knot_curves(knots.reshape(N * C, K), lengths.repeat_interleave(C), T).view(N, C, T)


@register
class Jitter(SeriesOp):
    """Gaussian noise added to every value, its level relative to each channel's spread
    (Um et al. 2017 use 0.03 on z-normalised series: m = 0.3)."""

    name = "jitter"
    family = "values"
    magnitude = Magnitude("noise standard deviation", 0.1, "of each channel's standard deviation")
    controls = "noise: up to 0.1·m of each channel's standard deviation"
    still = "sigma"

    def sample_params(self, g, batch, shape):
        return {"sigma": self.unsigned(g, batch, 0.1), "seed": seeds_from(g, batch)}

    def series(self, x, params, lengths, within):
        N, C, T = x.shape
        noise = hashed_normal(params["seed"].to(x.device), C * T).view(N, C, T)
        return x + (noise * per_series(params["sigma"], noise)).to(x.dtype) * channel_std(x, within)


@register
class Scaling(SeriesOp):
    """Every channel multiplied by its own factor (drawn on a log scale, so halving and
    doubling are equally likely)."""

    name = "scaling"
    family = "values"
    magnitude = Magnitude("scale factor", 0.5, "", signed=True, scale="exp2")
    controls = "factor per channel: 2^(±0.5·m)"

    def sample_params(self, g, batch, shape):
        return {"log2_factor": per_channel_signed(self, g, batch, shape[0], 0.5)}

    def series(self, x, params, lengths, within):
        return x * torch.pow(2.0, params["log2_factor"]).to(x.device, x.dtype).unsqueeze(2)


class _KnotOp(SeriesOp):
    """An op drawing a smooth random curve through ``knots`` interior points and the two ends."""

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", knots: int = 4):
        super().__init__(m, p, mode)
        self.knots = check_number(knots, f"{self.name}: knots", low=1, high=64, integer=True)


@register
class MagnitudeWarp(_KnotOp):
    """Each channel multiplied by a smooth curve through knots drawn around 1 (Um et al.
    2017: a natural cubic spline through 4 interior knots, standard deviation 0.2: m = 0.5)."""

    name = "magnitude_warp"
    family = "values"
    magnitude = Magnitude("knot standard deviation", 0.4, "of the value")
    controls = "curve through knots drawn N(1, s²), s up to 0.4·m"
    still = "sigma"

    def sample_params(self, g, batch, shape):
        sigma = self.unsigned(g, batch, 0.4)
        return {"sigma": sigma, "knots": torch.randn(batch, shape[0], self.knots + 2, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        knots = 1.0 + params["knots"].to(x.device) * params["sigma"].to(x.device).view(-1, 1, 1)
        return x * channel_curves(knots, lengths, x.shape[2]).to(x.dtype)


@register
class Drift(_KnotOp):
    """A slow random drift added to each channel: a smooth curve starting at zero through
    knots drawn up to a share of the channel's standard deviation."""

    name = "drift"
    family = "values"
    magnitude = Magnitude("drift", 0.5, "channel standard deviations", signed=True)
    controls = "drift curve through knots up to ±0.5·m channel standard deviations"
    still = "amplitude"

    def sample_params(self, g, batch, shape):
        amplitude = self.unsigned(g, batch, 0.5)
        return {"amplitude": amplitude, "knots": torch.rand(batch, shape[0], self.knots + 1, generator=g, dtype=torch.float64) * 2 - 1}

    def series(self, x, params, lengths, within):
        N, C, _ = x.shape
        knots = torch.cat([torch.zeros(N, C, 1, dtype=torch.float64), params["knots"]], dim=2).to(x.device)
        curve = channel_curves(knots * params["amplitude"].to(x.device).view(-1, 1, 1), lengths, x.shape[2])
        return x + curve.to(x.dtype) * channel_std(x, within)


@register
class Rotation(SeriesOp):
    """Sensor rotation (Um et al. 2017; Iwana & Uchida 2021): a univariate series turned
    upside down; a multichannel one with each channel's sign flipped at random and the
    channels shuffled. Breaks series whose sign or channel order defines the class."""

    name = "rotation"
    family = "values"
    magnitude = None
    identity_at_zero = False  # m sets nothing: the flip happens at any m
    controls = "nothing (flips and shuffles)"

    def sample_params(self, g, batch, shape):
        C = shape[0]
        signs = torch.randint(0, 2, (batch, C), generator=g) * 2 - 1
        order = torch.rand(batch, C, generator=g).argsort(dim=1)
        if C == 1:
            signs = -torch.ones_like(signs)
        return {"signs": signs, "order": order}

    def series(self, x, params, lengths, within):
        N, C, T = x.shape
        order = params["order"].to(x.device).view(N, C, 1).expand(N, C, T)
        return x.gather(1, order) * params["signs"].to(x.device, x.dtype).view(N, C, 1)
