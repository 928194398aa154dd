"""Colour kernels for uint8 RGB batches, compiled with numba.

``hue_shift`` is the float path of ``ops/image/colour.py`` (RGB to HSV, shift the hue, back)
written per pixel: every step in float32, in the same order as the torch code, so both
give the same bytes (tested). The torch code makes about twenty passes over the batch;
this is one, at about 2 ms per 224x224 image here against 6 ms for the torch code in
cache-sized slices. (Branch-free variants of the loop, with hand-written floor and
rounding, measured no faster.)
"""

from __future__ import annotations

import numba
import numpy as np

F = np.float32
_EPS = F(1e-12)
_ZERO = F(0.0)
_ONE = F(1.0)
_SIX = F(6.0)
_255 = F(255.0)


@numba.njit(inline="always")
def _to_u8(v):
    """Clamped to [0, 1], times 255 and rounded half to even, as ``from_float`` does."""
    return np.uint8(np.rint(min(max(v, _ZERO), _ONE) * _255))


@numba.njit(nogil=True, cache=True, error_model="numpy")
def hue_shift(src, dst, shift):
    """``dst`` = each (3, N) uint8 RGB image of ``src`` (B, 3, N) with its hue turned by
    ``shift[b]`` of the colour circle (float32)."""
    B, _, N = src.shape
    for b in range(B):
        turn = shift[b]
        sr, sg, sb = src[b, 0], src[b, 1], src[b, 2]
        dr, dg, db = dst[b, 0], dst[b, 1], dst[b, 2]
        for k in range(np.uint64(N)):  # unsigned: no checks for negative indices
            r = F(sr[k]) / _255
            g = F(sg[k]) / _255
            bl = F(sb[k]) / _255
            v = max(r, g, bl)
            delta = v - min(r, g, bl)
            s = delta / max(v, _EPS) if v > _ZERO else _ZERO
            if delta > _ZERO:
                d = max(delta, _EPS)
                if v == r:
                    h = (g - bl) / d
                elif v == g:
                    h = F(2.0) + (bl - r) / d
                else:
                    h = F(4.0) + (r - g) / d
                h = h / _SIX
                h = h - np.floor(h)
            else:
                h = _ZERO
            h = h + turn
            h = h - np.floor(h)
            i = np.floor(h * _SIX)
            f = h * _SIX - i
            p = v * (_ONE - s)
            q = v * (_ONE - s * f)
            t = v * (_ONE - s * (_ONE - f))
            sector = int(i) % 6  # h just below 1 can round up to sector 6, which is 0
            if sector == 0:
                ro, go, bo = v, t, p
            elif sector == 1:
                ro, go, bo = q, v, p
            elif sector == 2:
                ro, go, bo = p, v, t
            elif sector == 3:
                ro, go, bo = p, q, v
            elif sector == 4:
                ro, go, bo = t, p, v
            else:
                ro, go, bo = v, p, q
            dr[k] = _to_u8(ro)
            dg[k] = _to_u8(go)
            db[k] = _to_u8(bo)
    return dst
