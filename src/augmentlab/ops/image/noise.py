"""Gaussian noise and Gaussian blur."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from augmentlab.modality.image import from_float, to_float
from augmentlab.ops.base import Op
from augmentlab.ops.kernels.backend import native_cpu, opencv_single_thread
from augmentlab.ops.kernels.chunks import in_chunks
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from


@register
class GaussianNoise(Op):
    """Additive Gaussian noise. Each sample's noise comes from its own recorded seed and is
    drawn on CPU, so replays and devices agree."""

    name = "gaussian_noise"
    magnitude = Magnitude("noise standard deviation", 0.5, "of the value range")
    family = "noise"
    controls = "noise standard deviation: up to 0.5*m of the value range"

    def sample_params(self, g, batch, shape):
        return {"sigma": self.unsigned(g, batch, 0.5), "seed": seeds_from(g, batch)}

    def kernel(self, x, params):
        return in_chunks(self._add_noise, x, params)

    def _add_noise(self, x, params):
        shape = tuple(x.shape[1:])
        noise = np.stack([np.random.default_rng(int(s)).standard_normal(shape, dtype=np.float32) for s in params["seed"]])
        sigma = params["sigma"].float().view(-1, 1, 1, 1)
        return from_float(to_float(x) + torch.from_numpy(noise).to(x.device) * sigma.to(x.device), x)


def _kernel_size(sigma: float) -> int:
    return 2 * math.ceil(3.0 * sigma) + 1


@register
class GaussianBlur(Op):
    name = "gaussian_blur"
    magnitude = Magnitude("blur sigma", 0.1, "of the size")
    family = "noise"
    controls = "blur sigma: up to m * size / 10 pixels"

    def sample_params(self, g, batch, shape):
        return {"sigma": self.unsigned(g, batch, min(shape[-2:]) / 10.0)}

    def kernel(self, x, params):
        with opencv_single_thread():
            return self._blur_each(x, params)

    def _blur_each(self, x, params):
        import cv2  # imported where used: policies that never need OpenCV do not load it

        B, C, H, W = x.shape
        out = x.clone()
        for i, s in enumerate(params["sigma"].tolist()):
            if s < 0.05:  # below this the kernel is a delta
                continue
            k = _kernel_size(s)
            if native_cpu(x) and C <= 4:
                img = x[i].permute(1, 2, 0).numpy()
                blurred = cv2.GaussianBlur(np.ascontiguousarray(img), (k, k), sigmaX=s, sigmaY=s, borderType=cv2.BORDER_REFLECT_101)
                out[i] = torch.from_numpy(blurred.reshape(H, W, C)).permute(2, 0, 1)
            else:
                out[i] = from_float(_blur_torch(to_float(x[i : i + 1]), s, k), x)[0]
        return out


def _blur_torch(x: torch.Tensor, sigma: float, k: int) -> torch.Tensor:
    C = x.shape[1]
    r = torch.arange(k, dtype=torch.float32, device=x.device) - k // 2
    g = torch.exp(-(r**2) / (2 * sigma**2))
    g = g / g.sum()
    pad = k // 2
    # reflect padding needs pad < size; fall back to replicate for tiny images
    mode = "reflect" if pad < min(x.shape[-2:]) else "replicate"
    y = F.pad(x, (pad, pad, 0, 0), mode=mode)
    y = F.conv2d(y, g.view(1, 1, 1, k).repeat(C, 1, 1, 1), groups=C)
    y = F.pad(y, (0, 0, pad, pad), mode=mode)
    return F.conv2d(y, g.view(1, 1, k, 1).repeat(C, 1, 1, 1), groups=C)
