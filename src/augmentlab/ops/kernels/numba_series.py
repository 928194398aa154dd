"""CPU kernels for series, compiled with numba: one pass where the torch formulation makes
several with fresh tensors each (reading at fractional times; finding each series' length
from its NaN padding, which needs to look only at each series' last steps). CUDA and
``torch_kernels()`` use the torch code in ``ops/kernels/series.py``; tests hold the two
together."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True, error_model="numpy")
def lengths_from_padding(x, out):
    """``out[n]``: one past the last step of ``x[n]`` (C, T) at which some channel holds a
    value (at least 1), scanning back from the end."""
    N, C, T = x.shape
    for n in range(N):
        length = 1
        for t in range(T - 1, -1, -1):
            held = False
            for c in range(C):
                if not np.isnan(x[n, c, t]):
                    held = True
                    break
            if held:
                length = t + 1
                break
        out[n] = length


@numba.njit(nogil=True, cache=True, error_model="numpy")
def read_at(x, positions, lengths, out):
    """``out`` (N, C, T): each series read at ``positions`` (N, T), linearly between its
    samples, positions clamped to ``[0, length - 1]``; zero from each length on."""
    N, C, T = x.shape
    zero = x.dtype.type(0.0)
    for n in range(N):
        length = lengths[n]
        last = length - 1
        for t in range(T):
            if t >= length:
                for c in range(C):
                    out[n, c, t] = zero
                continue
            p = positions[n, t]
            if p < 0.0:
                p = 0.0
            if p > last:
                p = float(last)
            left = int(p)
            right = left + 1 if left < last else last
            frac = x.dtype.type(p - left)
            for c in range(C):
                lo = x[n, c, left]
                out[n, c, t] = lo + (x[n, c, right] - lo) * frac


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@numba.njit(inline="always")
def _unit(seed, counter):
    """The float32 in (0, 1) that ``series.hashed_uniform`` gives for ``(seed, counter)``:
    SplitMix64's finaliser, its top 24 bits (the same integer steps, so the same value)."""
    z = counter * _GOLDEN + seed * _MIX1
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    bits = (z >> np.uint64(40)) & np.uint64(0xFFFFFF)
    return (np.float32(bits) + np.float32(0.5)) * np.float32(1.0 / 16777216.0)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def hashed_uniform(seeds, out):
    """``out[n, j]``: ``_unit(seeds[n], j)``."""
    N, count = out.shape
    for n in range(N):
        seed = np.uint64(seeds[n])
        for j in range(count):
            out[n, j] = _unit(seed, np.uint64(j))


@numba.njit(nogil=True, cache=True, error_model="numpy")
def time_warped(x, speed, lengths, out):
    """``read_at`` at ``series.time_warp_positions(speed, lengths)``: the positions are the
    running sum of the speed (held at 1e-6 or more, the first step at 0) scaled to end at
    each series' last step."""
    N, C, T = x.shape
    positions = np.empty((1, T), np.float64)
    for n in range(N):
        length = lengths[n]
        travelled = 0.0
        positions[0, 0] = 0.0
        for t in range(1, length):
            step = speed[n, t]
            travelled += step if step > 1e-6 else 1e-6
            positions[0, t] = travelled
        scale = (length - 1) / max(travelled, 1e-12)
        for t in range(length):
            positions[0, t] *= scale
        read_at(x[n : n + 1], positions, lengths[n : n + 1], out[n : n + 1])
