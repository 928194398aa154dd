"""What a warp counts of each image it writes, while the image is still in cache, for the
point ops that follow it: each channel's 256-level histogram, or, given two levels per
image and channel, the count and level sum of the pixels below each (``numba_range``;
see ``ops.image.point_means`` for when that is enough)."""

from __future__ import annotations

import numpy as np

from augmentlab.ops.kernels.numba_range import range_sums
from augmentlab.ops.kernels.numba_u8 import histogram

# what a kernel gets for the statistic it is not asked for (it checks the batch size)
NO_HIST = np.empty((0, 0, 0), np.float32)
NO_BOUNDS = np.empty((0, 0, 0), np.int32)
NO_SUMS = np.empty((0, 0, 0), np.int64)
NOTHING = (NO_HIST, NO_BOUNDS, NO_SUMS)  # the kernel's arguments when nothing is counted


class LevelStats:
    """The counts of a batch of ``batch`` images of ``channels`` channels: ``hist``
    (B, C, 256) float32 when ``bounds`` is None, else ``sums`` (B, C, 4) int64 for
    ``bounds`` (B, C, 2) int32 (``numba_range.count_below_two``)."""

    def __init__(self, batch: int, channels: int, bounds: np.ndarray | None = None):
        self.bounds = NO_BOUNDS if bounds is None else np.ascontiguousarray(bounds, dtype=np.int32)
        self.hist = np.zeros((batch, channels, 256), np.float32) if bounds is None else NO_HIST
        self.sums = NO_SUMS if bounds is None else np.zeros((batch, channels, 4), np.int64)

    def kernel_args(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(hist, bounds, sums)`` for images ``start:stop``, as the warp kernel takes them."""
        if self.hist is NO_HIST:
            return NO_HIST, self.bounds[start:stop], self.sums[start:stop]
        return self.hist[start:stop], NO_BOUNDS, NO_SUMS

    def take(self, images: np.ndarray, start: int = 0) -> None:
        """Count (n, C, H, W) uint8 ``images``, which are the batch's ``start:start + n``."""
        flat = images.reshape(images.shape[0], images.shape[1], -1)
        stop = start + len(images)
        if self.hist is NO_HIST:
            range_sums(flat, self.bounds[start:stop], self.sums[start:stop])
        else:
            histogram(flat, self.hist[start:stop])
