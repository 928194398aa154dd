"""Per plane, the count and the level sum of the pixels below each of two levels.

They are all a chain of point ops needs when it reads only a mean (contrast's pivot) and
every op before it maps levels to ``clamp(a * level + b)``: such a map is constant below
one level, linear up to another and constant above, so its mean over the pixels follows
from these four numbers (``ops.image.point_means``). Counting them costs 5 us a 224x224
RGB image here, where the 256-level histogram costs 48.
"""

from __future__ import annotations

import numba
import numpy as np

from augmentlab.ops.kernels.numba_simd import AVX512BW, below_two_avx512

U = np.uint64
U32 = np.uint32
CHUNK = 1 << 16  # pixels per 32-bit partial sum: 2^16 * 255 < 2^32


@numba.njit(inline="always")
def below_two_scalar(plane, a, b):
    """``(count, sum)`` of the bytes of 1-D uint8 ``plane`` below level ``a``, and below
    ``b`` (levels in 0..256). 32-bit partial sums, so that LLVM vectorises the loop."""
    N = plane.shape[0]
    na = sa = nb = sb = 0
    la, lb = U32(a), U32(b)
    for start in range(0, N, CHUNK):
        ca = cb = ta = tb = U32(0)
        for i in range(U(start), U(min(N, start + CHUNK))):
            v = U32(plane[i])
            ia = U32(v < la)
            ib = U32(v < lb)
            ca += ia
            cb += ib
            ta += ia * v
            tb += ib * v
        na += ca
        nb += cb
        sa += ta
        sb += tb
    return na, sa, nb, sb


_below_two = below_two_avx512 if AVX512BW else below_two_scalar


@numba.njit(inline="always")
def count_below_two(planes, bounds, out):
    """For each of (C, N) uint8 ``planes`` and its levels ``bounds[c] = (a, b)`` (int32,
    0..256): ``out[c]`` = (count below a, their sum, count below b, their sum), int64."""
    for c in range(planes.shape[0]):
        na, sa, nb, sb = _below_two(planes[c], bounds[c, 0], bounds[c, 1])
        out[c, 0] = na
        out[c, 1] = sa
        out[c, 2] = nb
        out[c, 3] = sb


@numba.njit(nogil=True, cache=True)
def range_sums(src, bounds, out):
    """``count_below_two`` for each image of (B, C, N) uint8 ``src``: bounds (B, C, 2)
    int32, out (B, C, 4) int64."""
    for b in range(src.shape[0]):
        count_below_two(src[b], bounds[b], out[b])
    return out


@numba.njit(cache=True)
def compose_clamped_affine(scales, offsets, on):
    """A chain of maps ``u -> clamp(s * u + o, 0, 1)`` (``scales``/``offsets`` (K, B, C)
    float64, the identity where ``on`` (K, B) is False) as one ``clamp(a * u + b, lo, hi)``
    per sample and channel; returns ``(a, b, lo, hi)``, each (B, C) float64."""
    K, B, C = scales.shape
    a, b = np.ones((B, C)), np.zeros((B, C))
    lo, hi = np.zeros((B, C)), np.ones((B, C))
    for k in range(K):
        for i in range(B):
            if not on[k, i]:
                continue
            for c in range(C):
                s, o = scales[k, i, c], offsets[k, i, c]
                # s * clamp(a u + b, lo, hi) + o, then clamped to [0, 1] as every op's output
                # is: both ends clipped, so a map pushed wholly past one end is that end
                e1, e2 = s * lo[i, c] + o, s * hi[i, c] + o
                a[i, c], b[i, c] = s * a[i, c], s * b[i, c] + o
                lo[i, c] = min(max(min(e1, e2), 0.0), 1.0)
                hi[i, c] = max(min(max(e1, e2), 1.0), 0.0)
    return a, b, lo, hi


@numba.njit(cache=True)
def clamped_affine_bounds(a, b, lo, hi):
    """For ``clamp(a * l / 255 + b, lo, hi)`` per sample and channel ((B, C) float64): the
    levels [start, stop) of its linear part ((B, C, 2) int32; a flat map has none, all
    levels below 256) and its values at levels 0 and 255."""
    B, C = a.shape
    bounds = np.empty((B, C, 2), np.int32)
    first, last = np.empty((B, C)), np.empty((B, C))
    for i in range(B):
        for c in range(C):
            ai, bi, low, high = a[i, c], b[i, c], lo[i, c], hi[i, c]
            first[i, c] = min(max(bi, low), high)
            last[i, c] = min(max(ai + bi, low), high)
            if ai == 0:
                bounds[i, c, 0] = bounds[i, c, 1] = 256
                continue
            u1, u2 = (low - bi) * 255.0 / ai, (high - bi) * 255.0 / ai
            start = min(max(np.ceil(min(u1, u2)), 0.0), 256.0)
            bounds[i, c, 0] = np.int32(start)
            bounds[i, c, 1] = np.int32(min(max(np.floor(max(u1, u2)) + 1.0, start), 256.0))
    return bounds, first, last


@numba.njit(cache=True)
def clamped_affine_means(a, b, first, last, sums, pixels):
    """Each image's and channel's mean of ``clamp(a * l / 255 + b, lo, hi)`` over its
    ``pixels`` pixels, from ``count_below_two``'s ``sums`` (B, C, 4) at the map's bounds:
    (B, C) float32."""
    B, C = a.shape
    out = np.empty((B, C), np.float32)
    for i in range(B):
        for c in range(C):
            n_start, s_start, n_stop, s_stop = sums[i, c, 0], sums[i, c, 1], sums[i, c, 2], sums[i, c, 3]
            linear = a[i, c] / 255.0 * (s_stop - s_start) + b[i, c] * (n_stop - n_start)
            total = first[i, c] * n_start + linear + last[i, c] * (pixels - n_stop)
            out[i, c] = np.float32(total / max(pixels, 1))
    return out
