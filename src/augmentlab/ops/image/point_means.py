"""The mean a point op reads, taken without a histogram when every op before it is affine.

Contrast pivots on the image's mean grey level, after the ops before it in the chain. In
general that needs each channel's 256-level histogram (48 us a 224x224 RGB image here,
a quarter of the standard pipeline). But brightness and invert map a level u = l / 255
to ``clamp(s * u + o, 0, 1)``, and any chain of such maps is ``clamp(a * u + b, lo, hi)``:
constant below one level, linear up to a second, constant above. Its mean over the pixels
needs only the count and the level sum of the pixels below each of the two levels
(``kernels.numba_range``: 5 us an image).

The mean is the same quantity the histogram gives, summed in another order: float64 here,
float32 over the 256 levels there, so the two agree to about 1e-7 of the range.
"""

from __future__ import annotations

import numpy as np
import torch


class PixelMeans:
    """Each channel's mean of the chain's values over each image's pixels, (B, C, 1)
    float32: what ``point.wmean`` returns in place of weighing levels by a histogram."""

    def __init__(self, means: torch.Tensor):
        self.means = means


class MeanPlan:
    """The chain before the mean-reading op as ``clamp(a * u + b, lo, hi)`` per sample
    and channel ((B, C) float64 arrays), and the two levels to count below."""

    def __init__(self, a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        self.a, self.b = a, b
        self.first = np.minimum(np.maximum(b, lo), hi)  # the value of level 0
        self.last = np.minimum(np.maximum(a + b, lo), hi)  # of level 255
        flat = a == 0
        scale = 255.0 / np.where(flat, 1.0, a)
        u1, u2 = (lo - b) * scale, (hi - b) * scale  # in levels
        # [start, stop): the levels on the linear part; a flat map has none (all "first")
        start = np.where(flat, 256.0, np.minimum(np.maximum(np.ceil(np.minimum(u1, u2)), 0.0), 256.0))
        stop = np.where(flat, 256.0, np.minimum(np.maximum(np.floor(np.maximum(u1, u2)) + 1.0, start), 256.0))
        self.bounds = np.stack([start, stop], -1).astype(np.int32)

    def means(self, sums: np.ndarray, pixels: int) -> PixelMeans:
        """From ``sums`` (B, C, 4) int64, ``kernels.numba_range``'s counts and level sums of
        the pixels below each bound, and the ``pixels`` in each image."""
        n_start, s_start, n_stop, s_stop = (sums[..., k].astype(np.float64) for k in range(4))
        linear = self.a / 255.0 * (s_stop - s_start) + self.b * (n_stop - n_start)
        total = self.first * n_start + linear + self.last * (pixels - n_stop)
        return PixelMeans(torch.from_numpy((total / max(pixels, 1)).astype(np.float32)).unsqueeze(-1))


def mean_plan(chain, batch: int, channels: int) -> MeanPlan | None:
    """A plan when ``chain``'s only statistics op reads nothing but a mean (``mean_only``)
    and each op before it is affine (``PointOp.affine``); else None (take the histogram)."""
    readers = [k for k, (op, _) in enumerate(chain) if op.needs_stats]
    if len(readers) != 1 or not chain[readers[0]][0].mean_only:
        return None
    shape = (batch, channels)
    a, b = np.ones(shape), np.zeros(shape)
    lo, hi = np.zeros(shape), np.ones(shape)
    for op, params in chain[: readers[0]]:
        form = op.affine({k: t for k, t in params.items() if k != "apply"})
        if form is None:
            return None
        on = params["apply"].cpu().numpy().reshape(batch, 1)
        s, o = (np.where(on, _per_channel(t, shape), fallback) for t, fallback in zip(form, (1.0, 0.0)))
        # s * clamp(a u + b, lo, hi) + o, then clamped to [0, 1] as every op's output is
        ends = s * lo + o, s * hi + o
        a, b = s * a, s * b + o
        # both clipped to [0, 1]: a map pushed wholly past one end is that end, lo = hi
        lo = np.minimum(np.maximum(np.minimum(*ends), 0.0), 1.0)
        hi = np.maximum(np.minimum(np.maximum(*ends), 1.0), 0.0)
    return MeanPlan(a, b, lo, hi)


def _per_channel(t, shape: tuple[int, int]) -> np.ndarray:
    """A scale or offset (a number, or a tensor of shape (B, 1, 1) or (B, C, 1)) as (B, C)."""
    if isinstance(t, torch.Tensor):
        return np.broadcast_to(t.detach().cpu().double().numpy().reshape(t.shape[0], -1), shape)
    return np.full(shape, float(t))
