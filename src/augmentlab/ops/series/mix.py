"""MixUp and CutMix for series. A series keeps its own length: its partner is stretched to
that length first (plain MixUp and CutMix when the lengths agree), and CutMix pastes a
segment of the partner rather than a box."""

from __future__ import annotations

import torch

from augmentlab.ops.batch import per_sample
from augmentlab.ops.kernels.series import inside, read_at, series_lengths
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.mix import MixOp
from augmentlab.ops.registry import register


def partner_stretched(x: torch.Tensor, perm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(series with padding zeroed, each series' partner x[perm] stretched to the series'
    length, lengths)``."""
    N, C, T = x.shape
    lengths = series_lengths(x)
    body = torch.where(inside(lengths, T, x.device), x, torch.zeros((), dtype=x.dtype, device=x.device))
    own, theirs = lengths.double().view(N, 1), lengths[perm].double().view(N, 1)
    positions = torch.arange(T, dtype=torch.float64, device=x.device).view(1, T) * (theirs - 1) / (own - 1).clamp_min(1.0)
    return body, read_at(body[perm], positions, lengths[perm]), lengths


@register
class SeriesMixUp(MixOp):
    name = "mixup"
    modality = "series"
    magnitude = Magnitude("Beta concentration alpha", 1.0, "", drawn=False)
    controls = "Beta(alpha, alpha) with alpha = m; the partner stretched to the series' length"

    def mix_kernel(self, x, params):
        lam, perm = params["lam"].to(x.device), params["perm"].to(x.device)
        body, partner, lengths = partner_stretched(x, perm)
        weight = per_sample(lam, x)
        mixed = (weight * body.double() + (1 - weight) * partner.double()).to(x.dtype)
        return torch.where(inside(lengths, x.shape[2], x.device), mixed, x), lam


@register
class SeriesCutMix(MixOp):
    name = "cutmix"
    modality = "series"
    magnitude = Magnitude("Beta concentration alpha", 1.0, "", drawn=False)
    controls = "Beta(alpha, alpha) with alpha = m; a segment of 1 - lambda of the length from the partner"

    def sample_params(self, g, batch, shape):
        params = super().sample_params(g, batch, shape)
        params["centre"] = torch.rand(batch, generator=g, dtype=torch.float64)
        return params

    def mix_kernel(self, x, params):
        N, C, T = x.shape
        lam, perm = params["lam"].to(x.device), params["perm"].to(x.device)
        body, partner, lengths = partner_stretched(x, perm)
        L = lengths.double()
        width = ((1 - lam) * L).round()
        first = (params["centre"].to(x.device) * L - width / 2).round().clamp(min=0).minimum(L - width)
        t = torch.arange(T, device=x.device).view(1, T)
        segment = (t >= first.view(N, 1)) & (t < (first + width).view(N, 1))
        mixed = torch.where(segment.view(N, 1, T), partner, body)
        return torch.where(inside(lengths, T, x.device), mixed, x), 1 - width / L
