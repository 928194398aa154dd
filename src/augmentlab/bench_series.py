"""Throughput of a series pipeline (jitter, scaling, magnitude warp, time warp, window
slice) on batches of 256 univariate series of 512 steps, one CPU thread, side by side with
tsaug (a dev extra) running its closest equivalent on the same batches, and a memory copy.

tsaug has no scaling op; its pipeline is noise, a multiplicative drift (its magnitude warp),
a time warp and a crop resized back (its window slice): four ops to our five.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from augmentlab.ops.registry import create_op
from augmentlab.policy import Sequential

LENGTH, BATCH, POOL = 512, 256, 1024


def series_policy():
    """Um et al.'s settings in our units: noise 0.03 of the spread, scaling up to 1.2x,
    knots N(1, 0.2²) for both warps, a tenth of the series sliced away."""
    return Sequential([create_op("jitter", "series", m=0.3), create_op("scaling", "series", m=round(math.log2(1.2) / 0.5, 6)),
                       create_op("magnitude_warp", "series", m=0.5), create_op("time_warp", "series", m=0.5),
                       create_op("window_slice", "series", m=0.2)])


def _tsaug():
    try:
        import tsaug
    except ImportError:
        return None
    return (tsaug.AddNoise(scale=0.03) + tsaug.Drift(max_drift=0.2, n_drift_points=4, kind="multiplicative")
            + tsaug.TimeWarp(n_speed_change=4, max_speed_ratio=1.5) + tsaug.Crop(size=int(0.9 * LENGTH), resize=LENGTH))


def series_steps(libraries) -> tuple[dict, int]:
    """``({library: step(i) -> series done}, batches in the pool)``."""
    rng = np.random.default_rng(3)
    pool_np = rng.standard_normal((POOL, 1, LENGTH)).cumsum(axis=2).astype(np.float32)
    pool = torch.from_numpy(pool_np)
    pool_ntc = np.ascontiguousarray(pool_np.transpose(0, 2, 1))  # tsaug's (N, T, C)
    steps = {}
    for lib in libraries:
        if lib == "augmentlab":
            policy, g = series_policy(), torch.Generator().manual_seed(0)
            steps[lib] = lambda i, policy=policy, g=g: len(policy(pool[i * BATCH : (i + 1) * BATCH], g))
        elif lib == "memcpy":
            steps[lib] = lambda i: len(pool[i * BATCH : (i + 1) * BATCH].clone())
        elif lib == "tsaug" and (aug := _tsaug()) is not None:
            steps[lib] = lambda i, aug=aug: len(aug.augment(pool_ntc[i * BATCH : (i + 1) * BATCH]))
    return steps, POOL // BATCH
