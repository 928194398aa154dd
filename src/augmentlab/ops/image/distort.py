"""Elastic and grid distortion: dense, smooth displacement fields resampled once.

Elastic draws a coarse random field on a fixed 6x6 grid of control points and upsamples
it bicubically, which gives the same smoothness at every image size and costs far less
than blurring full-resolution noise (albumentations' way).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import torch
import torch.nn.functional as F

from augmentlab.ops.base import Op
from augmentlab.ops.kernels.backend import native_cpu, opencv_single_thread
from augmentlab.ops.kernels.warp import remap
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register

CONTROL_POINTS = 6


def _upsample(coarse: torch.Tensor, H: int, W: int, device) -> torch.Tensor:
    """(B, 2, g, g) -> (B, H, W, 2), bicubic with half-pixel centres on every device."""
    if native_cpu(device):
        import cv2  # imported where used: policies that never need OpenCV do not load it

        arr = coarse.float().permute(0, 2, 3, 1).numpy()
        with opencv_single_thread():
            up = np.stack([cv2.resize(a, (W, H), interpolation=cv2.INTER_CUBIC) for a in arr])
        return torch.from_numpy(up.reshape(len(arr), H, W, 2))
    up = F.interpolate(coarse.float().to(device), size=(H, W), mode="bicubic", align_corners=False)
    return up.permute(0, 2, 3, 1)


def _identity_coords(H: int, W: int, device) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32, device=device), torch.arange(W, dtype=torch.float32, device=device), indexing="ij")
    return torch.stack([xs, ys], -1)


class DistortOp(Op):
    """A dense, smooth displacement: every output pixel reads the source at ``coords``."""

    family = "distort"

    @abstractmethod
    def coords(self, params, shape: tuple[int, ...], device) -> torch.Tensor:
        """(B, H, W, 2) source coordinates (x, y) in pixels for every output pixel."""

    def kernel(self, x, params):
        return remap(x, self.coords(params, tuple(x.shape[1:]), x.device))


@register
class Elastic(DistortOp):
    name = "elastic"
    magnitude = Magnitude("control-point displacement", 0.15, "of the size")
    controls = "displacement: control points move up to m * 0.15 of the size"

    def sample_params(self, g, batch, shape):
        field = torch.rand(batch, 2, CONTROL_POINTS, CONTROL_POINTS, generator=g, dtype=torch.float64) * 2 - 1
        return {"field": field, "alpha": self.unsigned(g, batch, 0.15)}

    def coords(self, params, shape, device):
        H, W = shape[-2:]
        size = torch.tensor([W, H], dtype=torch.float32, device=device)
        disp = _upsample(params["field"], H, W, device).to(device)
        alpha = params["alpha"].float().view(-1, 1, 1, 1).to(device)
        return _identity_coords(H, W, device) + disp * alpha * size


@register
class GridDistortion(DistortOp):
    """Albumentations-style: the grid of 5x5 cells gets random column widths and row
    heights; pixels follow piecewise linearly."""

    name = "grid_distortion"
    magnitude = Magnitude("cell size change", 0.9, "of the cell", signed=True)
    controls = "cell size change: each cell's width/height scaled by 1 ± 0.9*m"
    steps = 5

    def sample_params(self, g, batch, shape):
        return {"x_steps": 1.0 + torch.stack([self.signed(g, batch, 0.9) for _ in range(self.steps)], 1),
                "y_steps": 1.0 + torch.stack([self.signed(g, batch, 0.9) for _ in range(self.steps)], 1)}

    @staticmethod
    def _axis_map(steps: torch.Tensor, n: int, device) -> torch.Tensor:
        """Source coordinate for each output coordinate along one axis: (B, n)."""
        B, S = steps.shape
        src_knots = torch.cat([torch.zeros(B, 1, dtype=steps.dtype), steps.cumsum(1)], 1)
        src_knots = src_knots / src_knots[:, -1:] * (n - 1)  # distorted cell edges, span kept
        pos = torch.arange(n, dtype=steps.dtype) * S / max(n - 1, 1)  # output position in cell units
        cell = pos.floor().clamp(max=S - 1).long()
        frac = (pos - cell).unsqueeze(0)
        lo = src_knots.gather(1, cell.expand(B, n))
        hi = src_knots.gather(1, (cell + 1).expand(B, n))
        return (lo + frac * (hi - lo)).float().to(device)

    def coords(self, params, shape, device):
        H, W = shape[-2:]
        B = len(params["x_steps"])
        sx = self._axis_map(params["x_steps"], W, device)
        sy = self._axis_map(params["y_steps"], H, device)
        return torch.stack([sx.view(B, 1, W).expand(B, H, W), sy.view(B, H, 1).expand(B, H, W)], -1)
