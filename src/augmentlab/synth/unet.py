"""A small class-conditional U-Net for diffusion: residual blocks with GroupNorm, a
sinusoidal time embedding to which a learned class embedding is added (one extra "null"
class for classifier-free guidance), two downsamplings and skip connections.

Sizes are padded up to a multiple of 4 on the way in and cropped on the way out, so any
image size works; widths scale with ``width`` for larger images on a GPU."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from augmentlab.synth.cvae import padded_size


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of (possibly fractional) timesteps, as in the Transformer."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], 1)


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class _ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = _norm(c_in), nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = _norm(c_out), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity: stable early training
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class ConditionalUNet(nn.Module):
    def __init__(self, shape: tuple[int, int, int], num_classes: int, width: int = 32):
        super().__init__()
        c, h, w = shape
        self.size, self.padded = (h, w), (padded_size(h), padded_size(w))
        self.null_class = num_classes
        emb = 4 * width
        self.width = width
        self.time_mlp = nn.Sequential(nn.Linear(width, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_embed = nn.Embedding(num_classes + 1, emb)
        w1, w2 = width, 2 * width
        self.stem = nn.Conv2d(c, w1, 3, 1, 1)
        self.down1 = _ResBlock(w1, w1, emb)
        self.pool1 = nn.Conv2d(w1, w1, 3, 2, 1)
        self.down2 = _ResBlock(w1, w2, emb)
        self.pool2 = nn.Conv2d(w2, w2, 3, 2, 1)
        self.mid = _ResBlock(w2, w2, emb)
        self.up2 = _ResBlock(2 * w2, w2, emb)
        self.up1 = _ResBlock(w2 + w1, w1, emb)
        self.out = nn.Sequential(_norm(w1), nn.SiLU(), nn.Conv2d(w1, c, 3, 1, 1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h, w = self.size
        x = F.pad(x, (0, self.padded[1] - w, 0, self.padded[0] - h))
        emb = self.time_mlp(timestep_embedding(t, self.width)) + self.class_embed(labels)
        s1 = self.down1(self.stem(x), emb)
        s2 = self.down2(self.pool1(s1), emb)
        m = self.mid(self.pool2(s2), emb)
        u = self.up2(torch.cat([F.interpolate(m, size=s2.shape[-2:], mode="nearest"), s2], 1), emb)
        u = self.up1(torch.cat([F.interpolate(u, size=s1.shape[-2:], mode="nearest"), s1], 1), emb)
        return self.out(u)[..., :h, :w]
