"""Colour kernels for uint8 RGB batches, compiled with numba.

``hue_shift`` is the float path of ``ops/image/colour.py`` (RGB to HSV, shift the hue, back)
written per pixel: every step in float32, in the same order as the torch code, so both
give the same bytes (tested). Per pixel, the torch code is about twenty passes over the
batch with a ``where`` at each branch; this is one pass with the pixel in registers.
"""

from __future__ import annotations

import numba
import numpy as np

F = np.float32
_EPS = F(1e-12)
_ONE = F(1.0)
_ZERO = F(0.0)
_SIX = F(6.0)
_255 = F(255.0)


_ROUNDER = F(2.0**23)


@numba.njit(inline="always")
def _to_u8(v):
    """Clamped to [0, 1], times 255, rounded half to even (as ``torch.round``): adding and
    taking away 2^23 rounds a float32 in [0, 2^23) to an integer. ``np.rint`` and
    ``np.floor`` compile to a call per pixel, which kept the loop scalar."""
    return np.uint8((min(max(v, _ZERO), _ONE) * _255 + _ROUNDER) - _ROUNDER)


@numba.njit(inline="always")
def _floor(x):
    """``floor`` for |x| < 2^31, through truncation (which vectorises)."""
    t = F(np.int32(x))
    return t - F(t > x)


# error_model="numpy": no zero-division checks, which kept the loop from vectorising
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
            s = delta / max(v, _EPS)  # 0 for black: delta is 0 there too
            d = max(delta, _EPS)
            # Branches become weights: exactly one is 1, and every other term is +0 (all
            # terms are >= 0 or a difference of equal values), so the sums are exact. With
            # branches (or nested selects) the loop ran 2-4x slower on random images.
            wr = F(v == r)
            wg = F(v == g) * (_ONE - wr)
            wb = _ONE - wr - wg
            h = (wg * F(2.0) + wb * F(4.0) + (wr * (g - bl) + wg * (bl - r) + wb * (r - g)) / d) / _SIX
            h = h - _floor(h)  # 0 for greys: r = g = b, so wr = 1 and the difference is 0
            h = h + turn
            h = h - _floor(h)
            i = _floor(h * _SIX)
            f = h * _SIX - i
            i = i - _SIX * F(i >= _SIX)  # h just below 1 can round up to sector 6, which is 0
            p = v * (_ONE - s)
            q = v * (_ONE - s * f)
            t = v * (_ONE - s * (_ONE - f))
            # sectors 0..5 give (r, g, b) = (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q)
            e0, e1, e2, e3, e4 = F(i == _ZERO), F(i == _ONE), F(i == F(2.0)), F(i == F(3.0)), F(i == F(4.0))
            e5 = _ONE - e0 - e1 - e2 - e3 - e4
            ro = (e0 + e5) * v + e1 * q + (e2 + e3) * p + e4 * t
            go = e0 * t + (e1 + e2) * v + e3 * q + (e4 + e5) * p
            bo = (e0 + e1) * p + e2 * t + (e3 + e4) * v + e5 * q
            dr[k] = _to_u8(ro)
            dg[k] = _to_u8(go)
            db[k] = _to_u8(bo)
    return dst
