"""Batch-level mixing: MixUp and CutMix, returning soft labels.

These need labels, so they are applied by the trainer to whole batches rather than inside
an image policy. ``m`` is the Beta(alpha, alpha) concentration: alpha = m (m = 0 mixes
nothing).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import torch
import torch.nn.functional as F

from augmentlab.modality.image import from_float, to_float
from augmentlab.ops.base import Params
from augmentlab.ops.batch import BatchOp, per_sample
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from


def blend(x: torch.Tensor, weight: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """``weight * x + (1 - weight) * x[perm]`` in ``x``'s dtype. uint8 images go through
    [0, 1] floats and are rounded back; float data (waveforms in [-1, 1], float images)
    stays in its own range, which a convex combination never leaves."""
    if x.dtype == torch.uint8:
        return from_float(weight * to_float(x) + (1 - weight) * to_float(x)[perm], x)
    return (weight * x.float() + (1 - weight) * x.float()[perm]).to(x.dtype)


class MixOp(BatchOp):
    family = "mix"
    modality = "image"

    def sample_params(self, g, batch, shape):
        lam = torch.ones(batch, dtype=torch.float64)
        if self.m > 0:
            # numpy's Beta on a stream seeded from our generator (torch.distributions
            # would draw from the global RNG).
            rng = np.random.default_rng(int(seeds_from(g, 1)[0]))
            lam = torch.from_numpy(rng.beta(self.m, self.m, size=batch))
        else:
            seeds_from(g, 1)  # same number of draws for every m
        return {"lam": lam, "perm": torch.randperm(batch, generator=g)}

    def mix(self, x: torch.Tensor, y: torch.Tensor, num_classes: int, generator: torch.Generator):
        """Return ``(mixed images, soft labels)``; ``y`` are integer labels or soft labels."""
        params = self.sample(generator, x.shape[0], tuple(x.shape[1:]))
        return self.apply_mix(x, y, num_classes, params)

    def apply_batch(self, x, target, num_classes, generator, *, model=None, forward=None):
        return self.mix(x, target, num_classes, generator)

    def apply_mix(self, x, y, num_classes: int, params: Params):
        soft = F.one_hot(y, num_classes).float() if y.dtype == torch.int64 else y.float()
        mixed, lam = self.mix_kernel(x, params)
        on = params["apply"].to(x.device)
        lam = torch.where(on, lam.to(x.device), torch.ones_like(lam)).float().view(-1, 1)
        mixed = torch.where(per_sample(on, x), mixed, x)
        perm = params["perm"].to(x.device)
        return mixed, lam * soft + (1 - lam) * soft[perm]

    @abstractmethod
    def mix_kernel(self, x: torch.Tensor, params: Params) -> tuple[torch.Tensor, torch.Tensor]:
        """The mixed images and each sample's own-label weight."""

    def kernel(self, x, params):
        return self.mix_kernel(x, params)[0]


@register
class MixUp(MixOp):
    name = "mixup"
    modality = ("image", "audio")
    magnitude = Magnitude("Beta concentration alpha", 1.0, "", drawn=False)
    controls = "Beta(alpha, alpha) with alpha = m"

    def mix_kernel(self, x, params):
        lam = params["lam"].to(x.device)
        perm = params["perm"].to(x.device)
        weight = per_sample(lam.float(), x)
        return blend(x, weight, perm), lam


@register
class CutMix(MixOp):
    name = "cutmix"
    magnitude = Magnitude("Beta concentration alpha", 1.0, "", drawn=False)
    controls = "Beta(alpha, alpha) with alpha = m; the box covers 1 - lambda of the image"

    def sample_params(self, g, batch, shape):
        params = super().sample_params(g, batch, shape)
        params["cy"] = torch.rand(batch, generator=g, dtype=torch.float64)
        params["cx"] = torch.rand(batch, generator=g, dtype=torch.float64)
        return params

    def mix_kernel(self, x, params):
        B, C, H, W = x.shape
        p = {k: v.to(x.device) for k, v in params.items()}
        cut = torch.sqrt(1 - p["lam"])
        h, w = (cut * H).round(), (cut * W).round()
        y0 = (p["cy"] * H - h / 2).round().clamp(0, H)
        y1 = (y0 + h).clamp(0, H)
        x0 = (p["cx"] * W - w / 2).round().clamp(0, W)
        x1 = (x0 + w).clamp(0, W)
        ys = torch.arange(H, device=x.device).view(1, H, 1)
        xs = torch.arange(W, device=x.device).view(1, 1, W)
        box = (ys >= y0.view(-1, 1, 1)) & (ys < y1.view(-1, 1, 1)) & (xs >= x0.view(-1, 1, 1)) & (xs < x1.view(-1, 1, 1))
        mixed = torch.where(box.unsqueeze(1), x[p["perm"]], x)
        lam = 1 - (y1 - y0) * (x1 - x0) / (H * W)  # the area actually pasted
        return mixed, lam
