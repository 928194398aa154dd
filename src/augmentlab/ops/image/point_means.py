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

from augmentlab.ops.kernels.numba_range import clamped_affine_bounds, clamped_affine_means, compose_clamped_affine

# From this many pixel values a batch on, the plan is cheaper than the histogram (measured
# here: about 35 us a call for the plan and its sums, 0.35 ns a value for the histogram,
# even near 100K values; one 224x224 RGB image is 150K).
PLAN_MIN_VALUES = 1 << 17


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
        self.bounds, self.first, self.last = clamped_affine_bounds(a, b, lo, hi)

    def means(self, sums: np.ndarray, pixels: int) -> PixelMeans:
        """From ``sums`` (B, C, 4) int64, ``kernels.numba_range``'s counts and level sums of
        the pixels below each bound, and the ``pixels`` in each image."""
        means = clamped_affine_means(self.a, self.b, self.first, self.last, sums, pixels)
        return PixelMeans(torch.from_numpy(means).unsqueeze(-1))


def worth_planning(values: int) -> bool:
    """Whether sums below two levels beat the histogram for a batch of ``values`` pixel
    values (``PLAN_MIN_VALUES``)."""
    return values >= PLAN_MIN_VALUES


def mean_plan(chain, batch: int, channels: int) -> MeanPlan | None:
    """A plan when ``chain``'s only statistics op reads nothing but a mean (``mean_only``)
    and each op before it is affine (``PointOp.affine``); else None (take the histogram)."""
    readers = [k for k, (op, _) in enumerate(chain) if op.needs_stats]
    if len(readers) != 1 or not chain[readers[0]][0].mean_only:
        return None
    prefix = chain[: readers[0]]
    scales, offsets = np.empty((len(prefix), batch, channels)), np.empty((len(prefix), batch, channels))
    on = np.empty((len(prefix), batch), np.bool_)
    for k, (op, params) in enumerate(prefix):
        form = op.affine({key: t for key, t in params.items() if key != "apply"})
        if form is None:
            return None
        scales[k], offsets[k] = _per_channel(form[0], batch), _per_channel(form[1], batch)
        on[k] = params["apply"].cpu().numpy()
    return MeanPlan(*compose_clamped_affine(scales, offsets, on))


def _per_channel(t, batch: int):
    """A scale or offset (a number, or a tensor of shape (B, 1, 1) or (B, C, 1)) as
    something that broadcasts to (B, C)."""
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().double().numpy().reshape(batch, -1)
    return float(t)
