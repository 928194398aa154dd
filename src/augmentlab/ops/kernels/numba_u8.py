"""CPU kernels for uint8 batches, compiled with numba.

Indices are unsigned on purpose: with signed indices numba emits wrap-around checks for
negative indices, which blocked vectorisation and made the copy loops 5x slower here.
"""

from __future__ import annotations

import numba
import numpy as np

from augmentlab.ops.kernels.numba_reverse import flip_rows_masked

U = np.uint64


@numba.njit(inline="always")
def _bswap64(v):
    return (
        ((v & U(0xFF)) << U(56)) | ((v & U(0xFF00)) << U(40)) | ((v & U(0xFF0000)) << U(24))
        | ((v & U(0xFF000000)) << U(8)) | ((v >> U(8)) & U(0xFF000000)) | ((v >> U(24)) & U(0xFF0000))
        | ((v >> U(40)) & U(0xFF00)) | (v >> U(56))
    )


# Column masks for the masked-copy path may take at most this many bytes per call.
MASK_BUDGET = 1 << 20


@numba.njit(nogil=True, cache=True)
def shift_flip(src, dst, ox, oy, hflip, vflip):
    """``dst[b,c,y,x] = src[b,c,y+oy,x+ox]`` (zero outside), then optional per-sample
    horizontal/vertical flips. ``src``/``dst`` are contiguous (B, C, H, W) uint8.

    Each plane's band of valid rows is one vectorised pass, ``d = s[shifted] & mask``,
    where the mask zeroes the columns that wrapped in from a neighbouring row (one mask
    per distinct x shift); flipped planes take the same masked copy row by row, reversed.
    Measured 1.6x faster than copying and then zeroing columns row by row; that path
    remains for shifts too varied for the mask budget."""
    B, C, H, W = src.shape
    if B == 0:
        return dst
    dxmin = ox.min()
    nmask = ox.max() - dxmin + 1
    if nmask * H * W > MASK_BUDGET:
        return _shift_flip_rows(src, dst, ox, oy, hflip, vflip)
    HW = H * W
    masks = np.empty((nmask, HW), np.uint8)
    for k in range(nmask):
        for y in range(H):
            for x in range(W):
                masks[k, y * W + x] = 255 if 0 <= x + dxmin + k < W else 0
    s = src.reshape(-1)
    d = dst.reshape(-1)
    total = B * C * HW
    for b in range(B):
        dx = ox[b]
        dy = oy[b]
        m = masks[dx - dxmin]
        off = dy * W + dx
        y0 = min(H, max(0, -dy))
        y1 = max(min(H, H - dy), y0)
        for c in range(C):
            plane = (b * C + c) * HW
            for i in range(U(plane), U(plane + y0 * W)):
                d[i] = 0
            for i in range(U(plane + y1 * W), U(plane + HW)):
                d[i] = 0
            if hflip[b]:
                # flipped rows: a reversed masked copy per row, in vector blocks
                # (``numba_reverse``). Rows whose reads would leave the array (at the
                # batch's first and last planes) go byte by byte.
                ya = y0
                while ya < y1 and plane + ya * W + off < 0:
                    ya += 1
                yb = y1
                while yb > ya and plane + yb * W + off > total:
                    yb -= 1
                flip_rows_masked(s, d, m, plane + ya * W + off, plane + ya * W, yb - ya, W)
                for y in range(y0, ya):
                    _flip_edge_row(s, d, m, plane + y * W, off, W, total)
                for y in range(yb, y1):
                    _flip_edge_row(s, d, m, plane + y * W, off, W, total)
                continue
            # band [y0*W, y1*W) of the plane; clip reads that would leave the array
            # (those bytes are masked columns, so they are zero).
            lo = min(max(y0 * W, -(plane + off)), y1 * W)
            hi = min(max(min(y1 * W, total - plane - off), lo), y1 * W)
            for i in range(U(plane + y0 * W), U(plane + lo)):
                d[i] = 0
            for i in range(U(plane + hi), U(plane + y1 * W)):
                d[i] = 0
            db = U(plane)
            sb = U(plane + off + lo)
            for i in range(U(hi - lo)):
                d[db + U(lo) + i] = s[sb + i] & m[U(lo) + i]
        if vflip[b]:
            vflip_planes(d, U(b * C * HW), U(C), U(H), U(W))
    return dst


# Rows of ``compose_axis_maps``'s (ops, 5, batch) input: per op and sample, whether it
# applies, then its forward map ``x' = (-x if FX else x) + TX`` and the same in y.
APPLY, FX, TX, FY, TY = range(5)


@numba.njit(cache=True)
def compose_axis_maps(maps, H, W):
    """The ``shift_flip`` arguments ``(ox, oy, hflip, vflip)`` for a chain of exact integer
    axis maps, applied in order: ``maps`` is (ops, 5, batch) int64, rows as named above.
    An op that does not apply to a sample leaves it unchanged. Compiled: composing with
    numpy took ~10 calls an op, 18 us a batch of 256 here, on every batch."""
    n, _, B = maps.shape
    tx = np.zeros(B, np.int64)
    ty = np.zeros(B, np.int64)
    hflip = np.zeros(B, np.bool_)
    vflip = np.zeros(B, np.bool_)
    # op by op over the whole batch, with selects instead of branches on the flips, which
    # are random per sample (1,024 samples: 6.7 -> 6.1 us)
    for k in range(n):
        on, fx, sx, fy, sy = maps[k, APPLY], maps[k, FX], maps[k, TX], maps[k, FY], maps[k, TY]
        for b in range(B):
            a = on[b] != 0
            flip = a & (fx[b] != 0)
            tx[b] = (-tx[b] if flip else tx[b]) + (sx[b] if a else 0)
            hflip[b] ^= flip
            flip = a & (fy[b] != 0)
            ty[b] = (-ty[b] if flip else ty[b]) + (sy[b] if a else 0)
            vflip[b] ^= flip
    # a flipped axis reads the shifted row backwards: its shift counts from the far edge
    ox = np.where(hflip, tx - (W - 1), -tx)
    oy = np.where(vflip, ty - (H - 1), -ty)
    return ox, oy, hflip, vflip


@numba.njit(cache=True)
def shift_masks(H, W, reach):
    """The masks ``shift_flip_table`` reads, a (2 * reach + 1, (H + 2 * reach) * W) uint8
    strip per x shift ``dx`` in ``[-reach, reach]``: ``reach`` rows of 0, H rows of that
    shift's column mask (255 where ``x + dx`` is inside the image), ``reach`` rows of 0.
    The mask of a whole plane shifted by ``(dx, dy)`` is the H rows of ``dx``'s strip from
    row ``reach + dy`` (``strip_mask_at``): rows that read from above or below the image
    fall on the zero rows. Where each (dx, dy) had a plane of its own, a pad-crop's 81
    masks took 81 kB; their strips take 11 kB, in L1 cache."""
    n = 2 * reach + 1
    out = np.zeros((n, (H + 2 * reach) * W), np.uint8)
    for k in range(n):
        for y in range(H):
            for x in range(W):
                if 0 <= x + k - reach < W:
                    out[k, (y + reach) * W + x] = 255
    return out


@numba.njit(inline="always")
def strip_mask_at(dx, dy, H, W, reach):
    """Where the whole-plane mask of shift ``(dx, dy)`` starts in ``shift_masks``'s table,
    flattened."""
    return ((dx + reach) * (H + 2 * reach) + reach + dy) * W


@numba.njit(nogil=True, cache=True)
def shift_flip_table(src, dst, ox, oy, hflip, vflip, masks, reach):
    """``shift_flip`` with a whole plane's mask per shift (``shift_masks``): each plane is
    one masked copy of all its pixels, ``d = s[shifted] & mask``, or its H rows reversed,
    with no rows to zero and the same number of steps for every shift. The branches of the
    band-by-band copy, whose length varies with each image's shift, mispredicted on every
    image: 256 32x32 RGB images, half flipped, in cache, took 42 us that way and 27 so
    (streamed out of DRAM: 54 and 47-50).

    A plane reads the whole shifted span, in its neighbours where masked. An image whose
    span would leave the array (at the batch's ends), or whose shift is past ``reach``,
    goes through ``shift_flip``; an empty table sends the whole batch there. Where the
    CPU has AVX-512 VBMI, images whose rows pack 64-byte blocks take the same masks as bits
    instead (``numba_shift_bits``)."""
    B, C, H, W = src.shape
    if masks.shape[0] == 0:
        return shift_flip(src, dst, ox, oy, hflip, vflip)
    HW = H * W
    s = src.reshape(-1)
    d = dst.reshape(-1)
    table = masks.reshape(-1)
    total = B * C * HW
    for b in range(B):
        dx = ox[b]
        dy = oy[b]
        off = dy * W + dx
        first = b * C * HW
        if abs(dx) > reach or abs(dy) > reach or first + off < 0 or first + C * HW + off > total:
            shift_flip(src[b : b + 1], dst[b : b + 1], ox[b : b + 1], oy[b : b + 1], hflip[b : b + 1], vflip[b : b + 1])
            continue
        m = strip_mask_at(dx, dy, H, W, reach)
        if hflip[b]:
            for c in range(C):
                plane = first + c * HW
                flip_rows_masked(s, d, table, plane + off, plane, H, W, m, W)
        else:
            for c in range(C):
                plane = U(first + c * HW)
                read = U(first + c * HW + off)
                for i in range(U(HW)):
                    d[plane + i] = s[read + i] & table[U(m) + i]
        if vflip[b]:
            vflip_planes(d, U(first), U(C), U(H), U(W))
    return dst


@numba.njit(nogil=True, cache=True)
def shift_flip_maps(src, dst, maps, masks, reach):
    """``shift_flip_table`` for a chain of axis maps (``compose_axis_maps``'s input), in
    one call: a batch's Python costs more than its copy below a few hundred images."""
    ox, oy, hflip, vflip = compose_axis_maps(maps, src.shape[2], src.shape[3])
    return shift_flip_table(src, dst, ox, oy, hflip, vflip, masks, reach)


@numba.njit(inline="always")
def _flip_edge_row(s, d, m, r, off, W, total):
    """One flipped row ``r`` reading from ``r + off``, reads outside ``s`` (masked columns,
    so zeros) skipped."""
    sr = r + off
    last = U(r + W - 1)
    xa = min(W, max(0, -sr))
    xb = max(xa, min(W, total - sr))
    for x in range(U(W)):
        d[last - x] = s[U(sr) + x] & m[x] if U(xa) <= x < U(xb) else 0


@numba.njit(inline="always")
def vflip_planes(d, base, C, H, W):
    # Row views indexed from 0: indexing the flat array at ``top + x`` compiled to a
    # scalar loop, 14x slower at 224x224.
    for c in range(C):
        plane = base + c * H * W
        for y in range(H // U(2)):
            top = d[plane + y * W : plane + (y + U(1)) * W]
            bot = d[plane + (H - U(1) - y) * W : plane + (H - y) * W]
            for x in range(W):
                t = top[x]
                top[x] = bot[x]
                bot[x] = t


@numba.njit(nogil=True, cache=True)
def _shift_flip_rows(src, dst, ox, oy, hflip, vflip):
    """The same as ``shift_flip`` by copying, then zeroing wrapped columns row by row."""
    B, C, H, W = src.shape
    s = src.reshape(-1)
    d = dst.reshape(-1)
    n = U(C * H * W)
    Wu = U(W)
    Hu = U(H)
    # Rows of whole 64-bit words (in an 8-byte aligned buffer) take the word path.
    words = W % 8 == 0 and d.ctypes.data % 8 == 0
    w = d[: (d.size // 8) * 8].view(np.uint64)
    for b in range(B):
        dx = ox[b]
        dy = oy[b]
        base = U(b) * n
        # One contiguous shifted copy of the whole image; rows and columns that wrapped in
        # from a neighbour are zeroed below.
        off = dy * W + dx
        lo_i = min(C * H * W, max(0, -off))  # shifts beyond the image copy nothing
        lo = U(lo_i)
        hi = U(max(min(C * H * W, C * H * W - off), lo_i))
        for i in range(lo):
            d[base + i] = 0
        sb = base + U(lo_i + off)
        for i in range(hi - lo):
            d[base + lo + i] = s[sb + i]
        for i in range(hi, n):
            d[base + i] = 0
        x0 = U(min(W, max(0, -dx)))
        x1 = U(max(min(W, W - dx), min(W, max(0, -dx))))
        y0 = U(min(H, max(0, -dy)))
        y1 = U(max(min(H, H - dy), min(H, max(0, -dy))))
        for c in range(U(C)):
            plane = base + c * Hu * Wu
            for y in range(y0):
                for x in range(Wu):
                    d[plane + y * Wu + x] = 0
            for y in range(y1, Hu):
                for x in range(Wu):
                    d[plane + y * Wu + x] = 0
            if words:  # zero the wrapped columns and flip, a row of words at a time
                _fix_rows_words(w, (plane + y0 * Wu) // U(8), y1 - y0, Wu // U(8), x0, x1, hflip[b])
            else:
                for y in range(y0, y1):
                    r = plane + y * Wu
                    for x in range(x0):
                        d[r + x] = 0
                    for x in range(x1, Wu):
                        d[r + x] = 0
        if hflip[b] and not words:
            _flip_rows(d, base, U(C) * Hu, Wu)
        if vflip[b]:
            vflip_planes(d, base, U(C), Hu, Wu)
    return dst


@numba.njit(inline="always")
def _fix_rows_words(w, first, rows, words, x0, x1, flip):
    """On ``rows`` rows of ``words`` 64-bit words from word ``first``: zero the bytes
    outside [x0, x1), then reverse the row if ``flip`` (little-endian: byte k of a word is
    bits 8k..8k+7). Rows outside the valid band are all zero, so flipping them is moot."""
    full = U(0xFFFFFFFFFFFFFFFF)
    k0 = x0 // U(8)
    r0 = x0 % U(8)
    k1 = x1 // U(8)
    r1 = x1 % U(8)
    for row in range(rows):
        i = first + row * words
        for k in range(k0):
            w[i + k] = 0
        if r0 and k0 < words:
            w[i + k0] &= full << (U(8) * r0)
        if k1 < words:
            if r1:
                w[i + k1] &= full >> (U(64) - U(8) * r1)
            else:
                w[i + k1] = 0
            for k in range(k1 + U(1), words):
                w[i + k] = 0
        if flip:
            a = i
            z = i + words - U(1)
            while a < z:
                t = w[a]
                w[a] = _bswap64(w[z])
                w[z] = _bswap64(t)
                a += U(1)
                z -= U(1)
            if a == z:
                w[a] = _bswap64(w[a])


@numba.njit(inline="always")
def _flip_rows(d, base, rows, W):
    for r in range(rows):
        i = base + r * W
        j = i + W - U(1)
        while i < j:
            t = d[i]
            d[i] = d[j]
            d[j] = t
            i += U(1)
            j -= U(1)


@numba.njit(nogil=True, cache=True)
def apply_lut(src, dst, lut):
    """``dst[b,c,...] = lut[b,c,src[b,c,...]]`` for (B, C, N) uint8 and a (B, C, 256) LUT."""
    B, C, N = src.shape
    for b in range(B):
        for c in range(C):
            table = lut[b, c]
            for i in range(U(N)):
                dst[b, c, i] = table[src[b, c, i]]
    return dst


@numba.njit(nogil=True, cache=True)
def histogram(src, out):
    """Per-(sample, channel) 256-bin histogram of (B, C, N) uint8 into (B, C, 256)."""
    for b in range(src.shape[0]):
        count_levels(src[b], out[b])
    return out


@numba.njit(inline="always")
def count_levels(planes, out):
    """The 256-bin histogram of each of (C, N) uint8 ``planes`` into (C, 256) ``out``.

    Four interleaved sub-histograms break the store-to-load dependency between
    neighbouring equal pixels (30% faster here)."""
    C, N = planes.shape
    counts = np.zeros((4, 256), np.int64)
    n4 = U(N // 4)
    for c in range(C):
        s = planes[c]
        counts[:] = 0
        for i in range(n4):
            j = U(4) * i
            counts[0, s[j]] += 1
            counts[1, s[j + U(1)]] += 1
            counts[2, s[j + U(2)]] += 1
            counts[3, s[j + U(3)]] += 1
        for i in range(U(4) * n4, U(N)):
            counts[0, s[i]] += 1
        for k in range(256):
            out[c, k] = counts[0, k] + counts[1, k] + counts[2, k] + counts[3, k]
