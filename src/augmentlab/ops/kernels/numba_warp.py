"""Bilinear affine warp of a whole uint8 batch in (B, C, H, W), compiled with numba.

One call per batch, with no per-image Python. For each image:

1. each plane, framed by one row and column of ``fill`` on every side, is read once, in
   order, into one uint16 per framed pixel holding it and the pixel below it (2 bytes a
   pixel, in the L2 cache at 224x224 RGB); two neighbours' pairs, read as one 4-byte
   word, are a pixel's 2x2 taps;
2. per output row, source coordinates come from 16.16 fixed-point steps (vectorised), and
   each pixel's taps are one word per channel, the only gather. The frame gives every
   pixel with a tap inside the image all four taps, so the pixels at the border take the
   same path as the rest; pixels with no tap inside are ``fill``.
   (The frame replaced a scalar path with a bounds check per tap at the border: 1.1x as
   fast at 224x224 RGB, 1.2x at 28x28 grey, 1.4x at 32x32 RGB, one thread. Packing the
   words once per image, straight from the image, rather than copying it into a framed
   plane and assembling each pixel's four bytes as it is read: 1.15x at 224x224 RGB
   and 28x28 grey, 1.05x at 32x32 RGB, with the histogram; the same bytes. Packing
   vertical pairs instead of whole 4-byte words, half the bytes to write: 128 -> 112 us
   at 224x224 RGB, 4.07 -> 3.51 at 32x32 RGB, 1.63 -> 1.69 at 28x28 grey; the same bytes);
3. the bilinear blend runs in float32 over the row (vectorised, each lerp a fused
   multiply-add) and rounds to nearest, as OpenCV 5's ``warpAffine`` does (we agree
   with it within one level);
4. meanwhile, a share of the next image per row is prefetched (``numba_prefetch``).

Indices are unsigned inside the hot loops for the same reason as in ``numba_u8``.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from augmentlab.ops.kernels.numba_prefetch import prefetch_span
from augmentlab.ops.kernels.numba_range import count_below_two
from augmentlab.ops.kernels.numba_u8 import count_levels

U = np.uint64
U32 = np.uint32
I32 = np.int32
F = np.float32
ONE = 65536.0  # 16.16 fixed point
# Source coordinates must stay inside the int32 fixed-point range: |x| < 2^15 pixels.
MAX_COORD = 30000.0
# Images from this size on prefetch the next one (4-5 us of 170 at 224x224 RGB); smaller
# ones stream well on the hardware prefetcher alone, and a hint per row cost 28x28 grey 5%.
PREFETCH_BYTES = 1 << 16
# Each lerp of the blend a fused multiply-add (one rounding, not two): 116 -> 110 us an
# image at 224x224 RGB here; the bytes moved by a level on about one pixel in a million.
BLEND_MATH = {"contract"}


@numba.njit(cache=True)
def fits_fixed_point(inv, H, W):
    """Do all source coordinates of (B, 2 or 3, 3) affine ``inv`` over an H x W output fit
    the kernel's 16.16 fixed point? (An affine map takes its extremes at the corners; each
    column's share is also rounded on its own, ``dx``/``dy``.) Compiled: it runs on every
    batch, where its numpy version cost 19 us at a batch of one."""
    size = max(H, W)
    if not size < MAX_COORD:
        return False
    for b in range(inv.shape[0]):
        for r in range(inv.shape[1]):
            for k in range(3):
                if not np.isfinite(inv[b, r, k]):
                    return False
        for r in range(2):
            m0, m1, m2 = inv[b, r, 0], inv[b, r, 1], inv[b, r, 2]
            for cx, cy in ((0.0, 0.0), (W - 1.0, 0.0), (0.0, H - 1.0), (W - 1.0, H - 1.0)):
                if not abs(m0 * cx + m1 * cy + m2) < MAX_COORD:
                    return False
            if not (abs(m0) * size < MAX_COORD and abs(m1) * size < MAX_COORD):
                return False
    return True


@numba.njit(cache=True)
def invert_3x3(m):
    """Batched 3x3 inverse of (B, 3, 3) float64 ``m`` by the adjugate: the arithmetic, in
    its order, of the numpy expression it replaced (the same bits), without its ~25 numpy
    calls a batch (44 us at a batch of one)."""
    out = np.empty((m.shape[0], 3, 3))
    for k in range(m.shape[0]):
        a, b, c = m[k, 0, 0], m[k, 0, 1], m[k, 0, 2]
        d, e, f = m[k, 1, 0], m[k, 1, 1], m[k, 1, 2]
        g, h, i = m[k, 2, 0], m[k, 2, 1], m[k, 2, 2]
        adj = (e * i - f * h, c * h - b * i, b * f - c * e,
               f * g - d * i, a * i - c * g, c * d - a * f,
               d * h - e * g, b * g - a * h, a * e - b * d)
        det = a * adj[0] + b * adj[3] + c * adj[6]
        for j in range(9):
            out[k, j // 3, j % 3] = adj[j] / det
    return out


@numba.njit(cache=True)
def integer_shift(inv):
    """Is every (B, 3, 3) inverse map ``src = (+-x + tx, +-y + ty)`` with integer shifts,
    within 1e-6 in all (the sum over the batch's worst deviations from that form)? Returns
    ``(ok, x signs, y signs, (B, 2) int shifts)``."""
    B = inv.shape[0]
    worst = np.zeros(6)  # last row, two off-diagonals, |sx| and |sy| off 1, t off an integer
    t = np.empty((B, 2), np.int64)
    sx, sy = np.empty(B), np.empty(B)
    for k in range(B):
        for r in range(3):
            for j in range(3):
                if not np.isfinite(inv[k, r, j]) or (r < 2 and j == 2 and not abs(inv[k, r, j]) < 2.0**62):
                    return False, sx, sy, t
        for j, want in ((0, 0.0), (1, 0.0), (2, 1.0)):
            worst[0] = max(worst[0], abs(inv[k, 2, j] - want))
        worst[1] = max(worst[1], abs(inv[k, 0, 1]))
        worst[2] = max(worst[2], abs(inv[k, 1, 0]))
        worst[3] = max(worst[3], abs(abs(inv[k, 0, 0]) - 1))
        worst[4] = max(worst[4], abs(abs(inv[k, 1, 1]) - 1))
        for r in range(2):
            v = inv[k, r, 2]
            worst[5] = max(worst[5], abs(v - np.rint(v)))
            t[k, r] = np.int64(np.rint(v))
        sx[k], sy[k] = np.sign(inv[k, 0, 0]), np.sign(inv[k, 1, 1])
    err = worst[0] + worst[1] + worst[2] + worst[3] + worst[4] + worst[5]
    return err < 1e-6, sx, sy, t


@numba.njit(nogil=True, cache=True, fastmath=BLEND_MATH)
def warp_affine_u8(src, dst, inv, fill, hist, bounds, sums):
    """``dst[b, :, y, x]`` = ``src[b]`` sampled bilinearly at ``inv[b] @ (x, y, 1)``.

    ``src``/``dst``: contiguous (B, C, H, W) uint8; ``inv``: (B, 2, 3) float64 inverse
    maps (output pixel -> source pixel, pixel centres at integers); taps outside the
    image read ``fill``. Each output image is counted while it is in cache, into ``hist``,
    (B, C, 256) float32, its histogram, or ``sums``, (B, C, 4) int64, its counts and level
    sums below ``bounds`` (B, C, 2) int32 (``numba_range.count_below_two``); empty arrays
    skip either."""
    B, C, H, W = src.shape
    counting = hist.shape[0] == B
    summing = bounds.shape[0] == B
    HW = H * W
    Wp = W + 2
    plane_p = (H + 2) * Wp
    pairs = np.empty(C * plane_p, np.uint16)  # each framed pixel and the one below it
    fill_row = np.full(W, fill, np.uint8)
    dx = np.empty(W, np.int32)
    dy = np.empty(W, np.int32)
    ax = np.empty(W, np.float32)
    ay = np.empty(W, np.float32)
    off = np.empty(W, np.uint32)
    taps = np.empty((C, W), np.uint32)  # each channel's taps of this row's pixels
    share = -(-C * HW // H)  # bytes of the next image to prefetch per output row
    for b in range(B):
        _pack_pairs(src[b], pairs, fill_row, fill)
        m00, m01, m02 = inv[b, 0, 0], inv[b, 0, 1], inv[b, 0, 2]
        m10, m11, m12 = inv[b, 1, 0], inv[b, 1, 1], inv[b, 1, 2]
        for x in range(W):  # each column's share of the source coordinates, rounded once
            dx[x] = I32(round(m00 * x * ONE))
            dy[x] = I32(round(m10 * x * ONE))
        following = src[min(b + 1, B - 1)].reshape(C * HW)
        ahead = b + 1 < B and C * HW >= PREFETCH_BYTES
        for y in range(H):
            if ahead:  # the next image, a row's share at a time, while this one computes
                prefetch_span(following, y * share, (y + 1) * share)
            x0 = I32(round((m01 * y + m02) * ONE))
            y0 = I32(round((m11 * y + m12) * ONE))
            ta, tb = _touching_run(dx, dy, x0, y0, H, W)
            for x in range(U(ta), U(tb)):
                sx = dx[x] + x0
                sy = dy[x] + y0
                # the top-left tap in the framed plane: one row and one column in
                off[x] = U32(((sy >> 16) + 1) * Wp + (sx >> 16) + 1)
                ax[x] = F(sx & 0xFFFF) * F(1.0 / ONE)
                ay[x] = F(sy & 0xFFFF) * F(1.0 / ONE)
            if C == 3:  # one read of each offset for the three planes
                t0, t1, t2 = taps[0], taps[1], taps[2]
                for x in range(U(ta), U(tb)):
                    o = U(off[x])
                    t0[x] = _word(pairs, o)
                    t1[x] = _word(pairs, o + U(plane_p))
                    t2[x] = _word(pairs, o + U(2 * plane_p))
            else:
                for c in range(C):
                    t = taps[c]
                    for x in range(U(ta), U(tb)):
                        t[x] = _word(pairs, U(off[x]) + U(c * plane_p))
            for c in range(C):
                d = dst[b, c, y]
                for x in range(U(ta)):
                    d[x] = fill
                t = taps[c]
                for x in range(U(ta), U(tb)):
                    d[x] = _blend_word(t[x], ax[x], ay[x])
                for x in range(U(tb), U(W)):
                    d[x] = fill
        if counting:  # while the image is still in cache
            count_levels(dst[b].reshape(C, HW), hist[b])
        if summing:
            count_below_two(dst[b].reshape(C, HW), bounds[b], sums[b])
    return dst


@numba.njit(inline="always")
def _pack_pairs(image, pairs, fill_row, fill):
    """For each plane of (C, H, W) ``image`` framed by one row and column of ``fill``, each
    framed pixel (x, y) and the one below it as one uint16: byte (x, y) low, (x, y+1)
    high. Framed rows 0..H and columns 0..W+1 are written: a pixel with a tap inside the
    image has its top-left tap there, and its right-hand pair too."""
    C, H, W = image.shape
    Wp = W + 2
    plane_p = (H + 2) * Wp
    f = np.uint16(fill)
    edge = f | (f << np.uint16(8))
    for c in range(C):
        for r in range(H + 1):  # framed row r holds image row r - 1
            top = image[c, r - 1] if r > 0 else fill_row
            bottom = image[c, r] if r < H else fill_row
            row = pairs[U(c * plane_p + r * Wp) : U(c * plane_p + r * Wp + Wp)]
            row[0] = edge
            for k in range(U(W)):
                row[k + U(1)] = np.uint16(top[k]) | (np.uint16(bottom[k]) << np.uint16(8))
            row[W + 1] = edge


@intrinsic
def _word(typingctx, pairs, at):
    """The 4 bytes of ``pairs[at]`` and ``pairs[at + 1]`` (a contiguous uint16 array) as
    one uint32, one load: the 2x2 taps top-left, bottom-left, top-right, bottom-right,
    low to high (little-endian, as x86 and ARM are)."""
    if not (isinstance(pairs, types.Array) and pairs.dtype == types.uint16 and pairs.layout == "C"
            and isinstance(at, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        offset = context.cast(builder, args[1], signature.args[1], types.int64)
        return builder.load(builder.bitcast(builder.gep(data, [offset]), ir.IntType(32).as_pointer()), align=2)

    return types.uint32(pairs, at), codegen


@numba.njit(inline="always", fastmath=BLEND_MATH)
def _byte(word, shift):
    return F(I32((word >> shift) & U32(255)))


@numba.njit(inline="always", fastmath=BLEND_MATH)
def _blend_word(v, wx, wy):
    """The bilinear blend of the 2x2 taps in word ``v`` (``_word``)."""
    return _blend(_byte(v, U32(0)), _byte(v, U32(16)), _byte(v, U32(8)), _byte(v, U32(24)), wx, wy)


@numba.njit(inline="always", fastmath=BLEND_MATH)
def _blend(a0, a1, b0, b1, wx, wy):
    """Bilinear blend of taps a0 a1 (top row) and b0 b1 (bottom), rounded to nearest."""
    top = a0 + wx * (a1 - a0)
    bot = b0 + wx * (b1 - b0)
    return np.uint8(top + wy * (bot - top) + F(0.5))


@numba.njit(inline="always")
def _touches(fx, fy, H, W):
    """Does any of the four taps of the pixel at source (fx, fy) lie inside the image?"""
    return -1 <= (fx >> 16) < W and -1 <= (fy >> 16) < H


@numba.njit(inline="always")
def _touching_run(dx, dy, x0, y0, H, W):
    """The run [ta, tb) of a row's pixels with at least one tap inside, the pixel at x
    sampling source (dx[x] + x0, dy[x] + y0): source coordinates are linear in x, so
    those pixels form one run. The rest are ``fill``."""
    ta = 0
    while ta < W and not _touches(dx[ta] + x0, dy[ta] + y0, H, W):
        ta += 1
    tb = W
    while tb > ta and not _touches(dx[tb - 1] + x0, dy[tb - 1] + y0, H, W):
        tb -= 1
    return ta, tb
