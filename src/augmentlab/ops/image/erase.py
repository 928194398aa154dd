"""Erasing: cutout / random erasing and grid dropout."""

from __future__ import annotations

import math
from abc import abstractmethod

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.image import from_float, to_float
from augmentlab.ops.base import Op
from augmentlab.ops.kernels.chunks import in_chunks
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from


def _coords(H: int, W: int, device):
    return torch.arange(H, device=device).view(1, H, 1), torch.arange(W, device=device).view(1, 1, W)


class EraseOp(Op):
    """An op that blanks out pixels. With ``mark=True`` it marks what it hid in the targets:
    erased pixels of a semantic mask take its ignore value, and keypoints on them are no
    longer visible (``ops/image/targets.py``); boxes are left as they are."""

    family = "erase"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", mark: bool = False):
        super().__init__(m, p, mode)
        if not isinstance(mark, bool):
            raise AugmentlabError(f"{self.name}: mark={mark!r} must be true or false")
        self.mark = mark

    @abstractmethod
    def erased(self, params, shape: tuple[int, ...], device=None) -> torch.Tensor:
        """(B, H, W) True where each image's pixels are erased (whatever ``apply`` says)."""


@register
class Cutout(EraseOp):
    """Erase one rectangle (random erasing): zeros, or per-pixel noise with ``fill='noise'``."""

    name = "cutout"
    magnitude = Magnitude("erased area", 0.5, "of the image")
    controls = "erased area: up to m * 0.5 of the image, aspect ratio in [1/3, 3]"
    FILLS = ("zero", "noise")

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", fill: str = "zero", mark: bool = False):
        super().__init__(m, p, mode, mark)
        if fill not in self.FILLS:
            raise AugmentlabError(f"cutout: fill={fill!r} is unknown; expected one of {', '.join(self.FILLS)}")
        self.fill = fill

    def sample_params(self, g, batch, shape):
        H, W = shape[-2:]
        area = self.unsigned(g, batch, 0.5) * H * W
        ratio = torch.exp((torch.rand(batch, generator=g, dtype=torch.float64) * 2 - 1) * math.log(3.0))
        h = torch.sqrt(area / ratio).round().clamp(0, H).long()
        w = torch.sqrt(area * ratio).round().clamp(0, W).long()
        cy = torch.randint(0, H, (batch,), generator=g)
        cx = torch.randint(0, W, (batch,), generator=g)
        return {"y0": cy - h // 2, "x0": cx - w // 2, "h": h, "w": w, "seed": seeds_from(g, batch)}

    def erased(self, params, shape, device=None):
        ys, xs = _coords(*shape[-2:], device)
        p = {k: params[k].to(device).view(-1, 1, 1) for k in ("y0", "x0", "h", "w")}
        return (ys >= p["y0"]) & (ys < p["y0"] + p["h"]) & (xs >= p["x0"]) & (xs < p["x0"] + p["w"])

    def kernel(self, x, params):
        return in_chunks(self._erase, x, params)

    def _erase(self, x, params):
        B, C, H, W = x.shape
        box = self.erased(params, x.shape, x.device).unsqueeze(1)
        if self.fill == "zero":
            return x.masked_fill(box, 0)
        noise = np.stack([np.random.default_rng(int(s)).random((C, H, W), dtype=np.float32) for s in params["seed"]])
        return from_float(torch.where(box, torch.from_numpy(noise).to(x.device), to_float(x)), x)


@register
class GridDropout(EraseOp):
    """Drop a regular grid of squares (GridMask): unit size, square ratio and offset are
    drawn per sample."""

    name = "grid_dropout"
    magnitude = Magnitude("side of each dropped square", 0.8, "of the grid unit")
    controls = "side of each dropped square: up to 0.8*m of the grid unit"

    def sample_params(self, g, batch, shape):
        H, W = shape[-2:]
        lo, hi = max(2, min(H, W) // 8), max(3, min(H, W) // 3)
        unit = torch.randint(lo, hi + 1, (batch,), generator=g)
        return {
            "unit": unit,
            "ratio": self.unsigned(g, batch, 0.8),
            "ox": (torch.rand(batch, generator=g, dtype=torch.float64) * unit).long(),
            "oy": (torch.rand(batch, generator=g, dtype=torch.float64) * unit).long(),
        }

    def erased(self, params, shape, device=None):
        ys, xs = _coords(*shape[-2:], device)
        p = {k: params[k].to(device).view(-1, 1, 1) for k in ("unit", "ratio", "ox", "oy")}
        side = (p["ratio"] * p["unit"]).round().long()
        return (torch.remainder(ys - p["oy"], p["unit"]) < side) & (torch.remainder(xs - p["ox"], p["unit"]) < side)

    def kernel(self, x, params):
        return x.masked_fill(self.erased(params, x.shape, x.device).unsqueeze(1), 0)
