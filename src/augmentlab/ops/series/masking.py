"""Ops that hide part of a series: dropped time steps, a masked frequency band, and
smoothing (which hides the fast changes)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from augmentlab.ops.kernels.series import hashed_normal, hashed_uniform
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.series.base import SeriesOp
from augmentlab.rng import seeds_from

MAX_SMOOTH = 3.0  # steps: the Gaussian's standard deviation at m = 1


def in_frequency(x: torch.Tensor, lengths: torch.Tensor, params: dict, change) -> torch.Tensor:
    """``x`` with ``change(spectrum, params of those series)`` applied to the Fourier
    transform of each series over its own length (one transform per distinct length)."""
    out = x.clone()
    for length in torch.unique(lengths).tolist():
        rows = (lengths == length).nonzero().squeeze(1)
        spectrum = torch.fft.rfft(x.index_select(0, rows)[:, :, :length].double(), dim=2)
        changed = change(spectrum, {k: v[rows.cpu()] for k, v in params.items()})
        out[rows, :, :length] = torch.fft.irfft(changed, n=length, dim=2).to(x.dtype)
    return out


@register
class TimeMask(SeriesOp):
    """Dropout of time steps: each step of a series set to zero (the mean of a z-normalised
    series) with a drawn probability, in every channel at once."""

    name = "time_mask"
    family = "masking"
    magnitude = Magnitude("share of steps dropped", 0.3, "of the length")
    controls = "each step dropped with probability up to 0.3·m"
    still = "share"

    def sample_params(self, g, batch, shape):
        return {"share": self.unsigned(g, batch, 0.3), "seed": seeds_from(g, batch)}

    def series(self, x, params, lengths, within):
        N, C, T = x.shape
        dropped = hashed_uniform(params["seed"].to(x.device), T) < params["share"].to(x.device).view(-1, 1)
        return x.masked_fill(dropped.view(N, 1, T), 0.0)


@register
class Smooth(SeriesOp):
    """Gaussian smoothing along time, normalised at each series' ends so nothing outside
    the series is averaged in."""

    name = "smooth"
    family = "masking"
    magnitude = Magnitude("Gaussian standard deviation", MAX_SMOOTH, "steps")
    controls = "Gaussian kernel of standard deviation up to 3·m steps"
    still = "sigma"

    def sample_params(self, g, batch, shape):
        return {"sigma": self.unsigned(g, batch, MAX_SMOOTH)}

    def series(self, x, params, lengths, within):
        N, C, T = x.shape
        radius = math.ceil(3 * MAX_SMOOTH)
        taps = torch.arange(-radius, radius + 1, dtype=torch.float64, device=x.device).view(1, -1)
        sigma = params["sigma"].to(x.device).view(-1, 1).clamp_min(1e-6)
        kernel = torch.exp(-0.5 * (taps / sigma) ** 2)  # (N, K)
        weights = kernel.repeat_interleave(C, dim=0).unsqueeze(1).to(x.dtype)  # (N*C, 1, K)
        signal = F.conv1d(x.reshape(1, N * C, T), weights, padding=radius, groups=N * C).view(N, C, T)
        mask = within.to(x.dtype).expand(N, C, T).reshape(1, N * C, T)
        norm = F.conv1d(mask, weights, padding=radius, groups=N * C).view(N, C, T)
        return signal / norm.clamp_min(1e-12)


@register
class FreqMask(SeriesOp):
    """A band of the series' frequencies removed (Fourier transform over each series' own
    length, a band of bins zeroed, back to time; the mean, bin 0, is kept)."""

    name = "freq_mask"
    family = "masking"
    magnitude = Magnitude("band width", 0.2, "of the frequency bins")
    controls = "a band of up to 0.2·m of the frequency bins zeroed"
    still = "width"

    def sample_params(self, g, batch, shape):
        return {"width": self.unsigned(g, batch, 0.2), "start": torch.rand(batch, generator=g, dtype=torch.float64)}

    def series(self, x, params, lengths, within):
        def band_removed(spectrum, p):
            bins = spectrum.shape[2] - 1  # bin 0 (the mean) is never masked
            width = (p["width"].to(x.device) * bins).round()
            first = 1 + (p["start"].to(x.device) * (bins - width)).floor()
            k = torch.arange(bins + 1, device=x.device).view(1, 1, -1)
            band = (k >= first.view(-1, 1, 1)) & (k < (first + width).view(-1, 1, 1))
            return spectrum.masked_fill(band, 0)

        return in_frequency(x, lengths, params, band_removed)


@register
class FreqNoise(SeriesOp):
    """Noise in the frequency domain (Gao et al. 2020): every bin's amplitude scaled and its
    phase shifted by small random amounts, over each series' own length."""

    name = "freq_noise"
    family = "masking"
    magnitude = Magnitude("spectral noise", 0.2, "relative amplitude; phase in units of π")
    controls = "each bin's amplitude ×(1 ± up to 0.2·m), phase ± up to 0.2·m·π"
    still = "level"

    def sample_params(self, g, batch, shape):
        return {"level": self.unsigned(g, batch, 0.2), "seed": seeds_from(g, batch)}

    def series(self, x, params, lengths, within):
        def noisy(spectrum, p):
            rows, C, F = spectrum.shape
            noise = hashed_normal(p["seed"].to(x.device), 2 * C * F).view(rows, 2, C, F).double()
            level = p["level"].to(x.device).view(-1, 1, 1)
            gain = (1.0 + level * noise[:, 0]).clamp_min(0.0)
            turn = torch.polar(torch.ones_like(gain), torch.pi * level * noise[:, 1])
            turn[:, :, 0] = 1.0  # the mean keeps its sign
            return spectrum * gain * turn

        return in_frequency(x, lengths, params, noisy)
