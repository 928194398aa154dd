"""Per-sample, per-channel lookup tables, histograms and range sums for uint8 batches."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.numba_range import range_sums
from augmentlab.ops.kernels.numba_simd import VBMI, apply_lut_vbmi
from augmentlab.ops.kernels.numba_u8 import apply_lut
from augmentlab.ops.kernels.numba_u8 import histogram as _histogram_cpu
from augmentlab.ops.kernels.threads import over_batch

# 64 bytes per instruction group where the CPU has AVX-512 VBMI, else one byte per load
_apply_lut_cpu = apply_lut_vbmi if VBMI else apply_lut


def histogram_u8(x: torch.Tensor) -> torch.Tensor:
    """(B, C, 256) float32 counts of each level per sample and channel (exact below 2^24
    pixels per image: float because the counts are used as weights)."""
    B, C = x.shape[:2]
    flat = x.reshape(B, C, -1)
    if native_cpu(x):
        out = torch.empty(B, C, 256, dtype=torch.float32)
        src, counts = flat.contiguous().numpy(), out.numpy()
        over_batch(lambda a, b: _histogram_cpu(src[a:b], counts[a:b]), B, src.nbytes // max(1, B))
        return out
    offsets = torch.arange(B * C, device=x.device).view(B, C, 1) * 256
    return torch.bincount((flat.long() + offsets).reshape(-1), minlength=B * C * 256).view(B, C, 256).float()


def range_sums_u8(x: torch.Tensor, bounds) -> np.ndarray:
    """(B, C, 4) int64: for each sample and channel of uint8 ``x`` and its two levels in
    ``bounds`` (B, C, 2) int32, the count and level sum of the pixels below each
    (``numba_range.count_below_two``)."""
    B, C = x.shape[:2]
    src = x.reshape(B, C, -1).contiguous().cpu().numpy()
    out = np.zeros((B, C, 4), np.int64)
    over_batch(lambda a, b: range_sums(src[a:b], bounds[a:b], out[a:b]), B, src.nbytes // max(1, B))
    return out


def apply_lut_u8(x: torch.Tensor, lut: torch.Tensor, inplace: bool = False) -> torch.Tensor:
    """Map every pixel of (B, C, ...) uint8 ``x`` through its (B, C, 256) uint8 table.

    ``inplace`` writes into ``x`` (for intermediates the caller owns): one less buffer
    to allocate and stream through memory."""
    B, C = x.shape[:2]
    flat = x.reshape(B, C, -1)
    if native_cpu(x):
        src = flat.contiguous()
        out = src if inplace and src.data_ptr() == x.data_ptr() else torch.empty_like(src)
        s, d, table = src.numpy(), out.numpy(), lut.contiguous().numpy()
        over_batch(lambda a, b: _apply_lut_cpu(s[a:b], d[a:b], table[a:b]), B, s.nbytes // max(1, B))
        return out.view_as(x)
    return lut.to(x.device).gather(2, flat.long()).view_as(x)
