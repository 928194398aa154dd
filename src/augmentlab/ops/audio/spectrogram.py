"""SpecAugment (Park et al. 2019) on the log-mel features a model computes from the
waveforms: frequency masks, time masks and time warping. These ops have
``stage = "features"``: a training policy applies them after the model's feature step
(``wave+...+specaugment-lb``), batched, each clip with its own masks.

Features are (B, C, mels, frames) at 100 frames a second. Masks are filled with each
clip's mean, which is what the paper's zero is after its mean normalisation.
"""

from __future__ import annotations

import math
from abc import abstractmethod

import torch
import torch.nn.functional as F

from augmentlab.modality.audio import FRAME_SECONDS
from augmentlab.ops.audio.base import only_where
from augmentlab.ops.base import Op
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.values import check_number, check_probability

MAX_MASKS = 10


class FeatureOp(Op):
    modality = "audio"
    stage = "features"
    family = "specaugment"


class MaskOp(FeatureOp):
    axis: int  # the feature axis masked: 2 (mel bands) or 3 (frames)

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", masks: int = 1):
        super().__init__(m, p, mode)
        check_number(masks, f"{self.name}: masks", low=1, high=MAX_MASKS, integer=True)
        self.masks = int(masks)

    @abstractmethod
    def widths(self, g, batch, size: int) -> torch.Tensor:
        """(batch, masks) mask widths in bins or frames."""

    def sample_params(self, g, batch, shape):
        size = shape[self.axis - 1]
        width = self.widths(g, batch, size).clamp(0, size)
        start = (torch.rand(batch, self.masks, generator=g, dtype=torch.float64) * (size - width + 1)).floor()
        return {"start": start.long(), "width": width.long()}

    def kernel(self, x, params):
        size = x.shape[self.axis]
        pos = torch.arange(size, device=x.device).view(1, 1, -1)
        start, width = params["start"].to(x.device).unsqueeze(-1), params["width"].to(x.device).unsqueeze(-1)
        hidden = ((pos >= start) & (pos < start + width)).any(dim=1)  # (B, size)
        shape = [x.shape[0], 1, 1, 1]
        shape[self.axis] = size
        fill = x.mean(dim=(1, 2, 3), keepdim=True)
        return torch.where(hidden.view(shape), fill, x)


@register
class FreqMask(MaskOp):
    name = "freq_mask"
    axis = 2
    # the paper's F = 27 of 80 mel channels at m = 1
    magnitude = Magnitude("mask width", 27 / 80, "of the mel bands")
    controls = "each of `masks` bands: up to 0.34·m of the mel bands wide (SpecAugment's F = 27 of 80)"

    def widths(self, g, batch, size):
        widest = math.floor(self.m * 27 / 80 * size)  # the paper's F, in whole bands
        return (torch.rand(batch, self.masks, generator=g, dtype=torch.float64) * (widest + 1)).floor()


@register
class TimeMask(MaskOp):
    name = "time_mask"
    axis = 3
    magnitude = Magnitude("mask width", 1.0, "s (100 frames)")
    controls = "each of `masks` spans: up to 1.0·m s wide (SpecAugment's T = 100 frames), at most `max_share` of the clip"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", masks: int = 1, max_share: float = 1.0):
        super().__init__(m, p, mode, masks)
        check_probability(max_share, "time_mask: max_share")
        self.max_share = float(max_share)

    def widths(self, g, batch, size):
        limit = math.floor(min(self.m / FRAME_SECONDS, self.max_share * size))  # the paper's T, in whole frames
        return (torch.rand(batch, self.masks, generator=g, dtype=torch.float64) * (limit + 1)).floor()


@register
class TimeWarp(FeatureOp):
    """The features stretched on one side of a random point and squeezed on the other: the
    point moves by up to W frames (the paper's W = 80 at m = 1), and stays within the
    middle half of the clip so short clips are not turned inside out."""

    name = "time_warp"
    magnitude = Magnitude("warp distance", 0.8, "s (80 frames)", signed=True)
    controls = "the warp point moves by up to ±0.8·m s (SpecAugment's W = 80 frames), at most a quarter of the clip"

    def sample_params(self, g, batch, shape):
        frames = shape[-1]
        w = min(self.m * 0.8 / FRAME_SECONDS, frames / 4)
        centre = frames / 4 + torch.rand(batch, generator=g, dtype=torch.float64) * (frames / 2)
        move = self.signed(g, batch, 1.0) * w
        return {"centre": centre, "move": move}

    def kernel(self, x, params):
        return only_where(params["move"] != 0, x, params, self._warp)  # a warp by nothing is the identity, exactly

    def _warp(self, x, params):
        B, C, H, W = x.shape
        c = params["centre"].to(x.device).float().view(B, 1)
        d = params["move"].to(x.device).float().view(B, 1)
        t = torch.arange(W, device=x.device, dtype=torch.float32).view(1, W)
        target = c + d  # where the centre lands
        # piecewise-linear map from output frame to source frame: [0, target] -> [0, c], [target, W-1] -> [c, W-1]
        left = t * c / target.clamp_min(1e-6)
        right = c + (t - target) * (W - 1 - c) / (W - 1 - target).clamp_min(1e-6)
        source = torch.where(t <= target, left, right)
        grid_x = source / max(W - 1, 1) * 2 - 1
        grid_y = torch.linspace(-1, 1, H, device=x.device)
        grid = torch.stack([grid_x.view(B, 1, W).expand(B, H, W), grid_y.view(1, H, 1).expand(B, H, W)], dim=-1)
        return F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="border", align_corners=True).to(x.dtype)
