"""Bilinear affine warp of a whole uint8 batch in (B, C, H, W), compiled with numba.

One call per batch, with no per-image Python. For each image:

1. every source pixel's 2x2 neighbourhood is packed into one 32-bit word per channel
   (``quads``), in one vectorised pass;
2. per output row, source coordinates come from 16.16 fixed-point steps (vectorised), and
   each pixel's quad is fetched with one scalar load per channel, the only gather;
3. the bilinear blend runs in float32 over the row (vectorised) and rounds to nearest,
   as OpenCV 5's ``warpAffine`` does (we agree with it within one level).

Pixels whose taps cross the border take a scalar path in which outside taps read
``fill``. Measured on one 224x224 RGB thread here: 1.4x OpenCV's per-plane warp.

Indices are unsigned inside the hot loops for the same reason as in ``numba_u8``.
"""

from __future__ import annotations

import numba
import numpy as np

from augmentlab.ops.kernels.numba_u8 import count_levels

U = np.uint64
U32 = np.uint32
I32 = np.int32
F = np.float32
ONE = 65536.0  # 16.16 fixed point
# Source coordinates must stay inside the int32 fixed-point range: |x| < 2^15 pixels.
MAX_COORD = 30000.0


def fits_fixed_point(inv: np.ndarray, H: int, W: int) -> bool:
    """Do all source coordinates of (B, 2, 3) affine ``inv`` over an H x W output fit the
    kernel's 16.16 fixed point? (An affine map takes its extremes at the corners.)"""
    corners = np.array([[0.0, 0.0, 1.0], [W - 1.0, 0.0, 1.0], [0.0, H - 1.0, 1.0], [W - 1.0, H - 1.0, 1.0]])
    coords = inv[:, :2] @ corners.T  # (B, 2, 4)
    # each column's share is also rounded on its own (``dx``, ``dy``)
    shares = np.abs(inv[:, :2, :2]) * max(H, W)
    return bool(max(H, W) < MAX_COORD and np.abs(coords).max(initial=0.0) < MAX_COORD and shares.max(initial=0.0) < MAX_COORD
                and np.isfinite(inv).all())


@numba.njit(nogil=True, cache=True)
def warp_affine_u8(src, dst, inv, fill, hist):
    """``dst[b, :, y, x]`` = ``src[b]`` sampled bilinearly at ``inv[b] @ (x, y, 1)``.

    ``src``/``dst``: contiguous (B, C, H, W) uint8; ``inv``: (B, 2, 3) float64 inverse
    maps (output pixel -> source pixel, pixel centres at integers); taps outside the
    image read ``fill``. ``hist``: (B, C, 256) float32 counts of each output image, or
    an empty array to skip counting."""
    B, C, H, W = src.shape
    counting = hist.shape[0] == B
    HW = H * W
    quads = np.zeros((C, HW), np.int32)
    dx = np.empty(W, np.int32)
    dy = np.empty(W, np.int32)
    sx = np.empty(W, np.int32)
    sy = np.empty(W, np.int32)
    ax = np.empty(W, np.float32)
    ay = np.empty(W, np.float32)
    off = np.empty(W, np.uint32)
    taps = np.empty((C, W), np.int32)
    s = src.reshape(-1)
    for b in range(B):
        for c in range(C):
            _pack_quads(s, U((b * C + c) * HW), quads[c], H, W)
        m00, m01, m02 = inv[b, 0, 0], inv[b, 0, 1], inv[b, 0, 2]
        m10, m11, m12 = inv[b, 1, 0], inv[b, 1, 1], inv[b, 1, 2]
        for x in range(W):  # each column's share of the source coordinates, rounded once
            dx[x] = I32(round(m00 * x * ONE))
            dy[x] = I32(round(m10 * x * ONE))
        for y in range(H):
            x0 = I32(round((m01 * y + m02) * ONE))
            y0 = I32(round((m11 * y + m12) * ONE))
            for x in range(U(W)):
                sx[x] = dx[x] + x0
                sy[x] = dy[x] + y0
            for x in range(U(W)):
                i = sx[x] >> 16
                j = sy[x] >> 16
                off[x] = U32(j * W + i)
                ax[x] = F(sx[x] & 0xFFFF) * F(1.0 / ONE)
                ay[x] = F(sy[x] & 0xFFFF) * F(1.0 / ONE)
            xa, xb = _inside_run(sx, sy, H, W)
            if C == 3:  # one read of each offset for the three planes
                q0, q1, q2 = quads[0], quads[1], quads[2]
                t0, t1, t2 = taps[0], taps[1], taps[2]
                for x in range(U(xa), U(xb)):
                    o = U(off[x])
                    t0[x] = q0[o]
                    t1[x] = q1[o]
                    t2[x] = q2[o]
            else:
                for c in range(C):
                    q = quads[c]
                    t = taps[c]
                    for x in range(U(xa), U(xb)):
                        t[x] = q[U(off[x])]
            for c in range(C):
                t = taps[c]
                d = dst[b, c, y]
                for x in range(U(xa), U(xb)):
                    v = t[x]
                    wx = ax[x]
                    a0 = F(I32(v & I32(255)))
                    a1 = F(I32((v >> I32(8)) & I32(255)))
                    b0 = F(I32((v >> I32(16)) & I32(255)))
                    b1 = F(I32((v >> I32(24)) & I32(255)))
                    top = a0 + wx * (a1 - a0)
                    bot = b0 + wx * (b1 - b0)
                    d[x] = np.uint8(top + ay[x] * (bot - top) + F(0.5))
                plane = src[b, c]
                for x in range(0, xa):
                    d[x] = _edge_pixel(plane, sx[x], sy[x], H, W, fill)
                for x in range(xb, W):
                    d[x] = _edge_pixel(plane, sx[x], sy[x], H, W, fill)
        if counting:  # while the image is still in cache
            count_levels(dst[b].reshape(C, HW), hist[b])
    return dst


@numba.njit(inline="always")
def _pack_quads(s, base, q, H, W):
    """``q[i]`` = the bytes at i, i+1, i+W, i+W+1 of the plane at ``base``, low to high
    (only for i whose 2x2 neighbourhood lies inside the plane's rows; the rest stay 0 and
    are never read: those pixels take the edge path)."""
    for i in range(U(H * W - W - 1)):
        p = base + i
        q[i] = I32(s[p]) | (I32(s[p + U(1)]) << I32(8)) | (I32(s[p + U(W)]) << I32(16)) | (I32(s[p + U(W + 1)]) << I32(24))


@numba.njit(inline="always")
def _inside_run(sx, sy, H, W):
    """The run [xa, xb) of a row's pixels whose four taps all lie inside: source
    coordinates are linear in x, so the pixels that pass form one run."""
    xa = 0
    while xa < W and not (0 <= (sx[xa] >> 16) < W - 1 and 0 <= (sy[xa] >> 16) < H - 1):
        xa += 1
    xb = W
    while xb > xa and not (0 <= (sx[xb - 1] >> 16) < W - 1 and 0 <= (sy[xb - 1] >> 16) < H - 1):
        xb -= 1
    return xa, xb


@numba.njit(inline="always")
def _tap(plane, j, i, H, W, fill):
    return F(plane[j, i]) if 0 <= i < W and 0 <= j < H else F(fill)


@numba.njit(inline="always")
def _edge_pixel(plane, fx, fy, H, W, fill):
    """A pixel whose taps cross the border; taps outside read ``fill``."""
    i = fx >> 16
    j = fy >> 16
    if i < -1 or i >= W or j < -1 or j >= H:
        return np.uint8(fill)
    wx = F(fx & 0xFFFF) * F(1.0 / ONE)
    wy = F(fy & 0xFFFF) * F(1.0 / ONE)
    top = _tap(plane, j, i, H, W, fill) + wx * (_tap(plane, j, i + 1, H, W, fill) - _tap(plane, j, i, H, W, fill))
    bot = _tap(plane, j + 1, i, H, W, fill) + wx * (_tap(plane, j + 1, i + 1, H, W, fill) - _tap(plane, j + 1, i, H, W, fill))
    return np.uint8(top + wy * (bot - top) + F(0.5))
