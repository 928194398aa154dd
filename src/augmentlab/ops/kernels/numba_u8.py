"""CPU kernels for uint8 batches, compiled with numba.

Indices are unsigned on purpose: with signed indices numba emits wrap-around checks for
negative indices, which blocked vectorisation and made the copy loops 5x slower here.
"""

from __future__ import annotations

import numba
import numpy as np

U = np.uint64


@numba.njit(inline="always")
def _bswap64(v):
    return (
        ((v & U(0xFF)) << U(56)) | ((v & U(0xFF00)) << U(40)) | ((v & U(0xFF0000)) << U(24))
        | ((v & U(0xFF000000)) << U(8)) | ((v >> U(8)) & U(0xFF000000)) | ((v >> U(24)) & U(0xFF0000))
        | ((v >> U(40)) & U(0xFF00)) | (v >> U(56))
    )


@numba.njit(nogil=True, cache=True)
def shift_flip(src, dst, ox, oy, hflip, vflip):
    """``dst[b,c,y,x] = src[b,c,y+oy,x+ox]`` (zero outside), then optional per-sample
    horizontal/vertical flips. ``src``/``dst`` are contiguous (B, C, H, W) uint8."""
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
        lo = U(max(0, -off))
        hi = U(max(min(C * H * W, C * H * W - off), max(0, -off)))
        for i in range(lo):
            d[base + i] = 0
        sb = base + U(max(0, -off) + off)
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
            for c in range(U(C)):
                plane = base + c * Hu * Wu
                for y in range(Hu // U(2)):
                    top = plane + y * Wu
                    bot = plane + (Hu - U(1) - y) * Wu
                    for x in range(Wu):
                        t = d[top + x]
                        d[top + x] = d[bot + x]
                        d[bot + x] = t
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
    B, C, N = src.shape
    for b in range(B):
        for c in range(C):
            h = out[b, c]
            h[:] = 0
            for i in range(U(N)):
                h[src[b, c, i]] += 1
    return out
