"""The copy kernel for flips and integer shifts with 1-bit masks, 64 bytes at a time.

``shift_flip_table`` masks each plane with a window of a byte table (``shift_masks``).
A pad-crop's 81 shifts read 11 kB of it, and a batch streamed out of DRAM keeps pushing
those lines out of L1 and L2: 256 32x32 RGB images took 48 us with the 81 windows and 42
with one window for all (plain copy 38, memcpy 34). Here the same table holds one bit per
byte (1.4 kB), and each 64-byte block is one AVX-512 load under that mask, with a byte
permutation for flipped rows (``numba_simd.masked_copy64``/``masked_permute64``): 47 -> 42
us a batch of 256, half flipped, and 166 -> 150 a batch of 1,024.

It takes images whose rows pack 64-byte blocks exactly (``packs_blocks``): W divides 64
and H * W is a multiple of 64 (16x16, 32x32, 64x64), so every block is whole rows of one
plane; or W is a multiple of 64 (128x128, 256x256), so every block is part of one row,
and a flipped row's blocks are reversed into the mirrored blocks (flip + crop 128x128,
batches of 64: 46-47% -> 60-63% of memcpy; 256x256, batches of 16: 39-43% -> 58-59%,
where the byte table did not fit and the band kernel ran).

A load under a mask reads none of the bytes it drops, so the shifted reads of the
batch's first and last images may start before the array or end past it, and those
images need no other path. Only where ``numba_simd.MASKED_MOVES``.
"""

from __future__ import annotations

import numba
import numpy as np

from augmentlab.ops.kernels.numba_simd import masked_copy64, masked_permute64
from augmentlab.ops.kernels.numba_u8 import compose_axis_maps, shift_flip, shift_masks, strip_mask_at, vflip_planes

U = np.uint64
BLOCK = 64


@numba.njit(cache=True)
def packs_blocks(H: int, W: int) -> bool:
    """Whether every 64-byte block of an H x W plane is whole rows, or a whole part of
    one row (W a multiple of 64)."""
    return (BLOCK % W == 0 or W % BLOCK == 0) and (H * W) % BLOCK == 0


def shift_mask_bits(H: int, W: int, reach: int) -> np.ndarray:
    """``shift_masks``'s table with one bit per byte (bit 0 the lowest of each byte),
    flattened, and 16 zero bytes after it for the kernel's 16-byte reads."""
    bits = np.packbits(shift_masks(H, W, reach).reshape(-1), bitorder="little")
    return np.concatenate([bits, np.zeros(16, np.uint8)])


def row_reversal(W: int) -> np.ndarray:
    """The 64 byte indices that reverse each W-byte row of a block in place (the whole
    block where W is a multiple of 64)."""
    j = np.arange(BLOCK)
    w = min(W, BLOCK)
    return ((j // w) * w + w - 1 - j % w).astype(np.uint8)


@numba.njit(nogil=True, cache=True)
def shift_flip_bits(src, dst, ox, oy, hflip, vflip, bits, reach, reversal):
    """``shift_flip`` with ``shift_mask_bits``'s table (shifts up to ``reach``) and
    ``row_reversal(W)``; a batch with a shift past the reach, or of images whose rows do
    not pack blocks, goes through ``shift_flip``."""
    B, C, H, W = src.shape
    HW = H * W
    fits = packs_blocks(H, W)
    for b in range(B):
        fits &= abs(ox[b]) <= reach and abs(oy[b]) <= reach
    if not fits:
        return shift_flip(src, dst, ox, oy, hflip, vflip)
    s = src.reshape(-1)
    d = dst.reshape(-1)
    for b in range(B):
        off = oy[b] * W + ox[b]
        at = strip_mask_at(ox[b], oy[b], H, W, reach)
        first = b * C * HW
        for c in range(C):
            plane = first + c * HW
            if hflip[b] and W <= BLOCK:  # blocks of whole rows, each reversed in place
                for i in range(0, HW, BLOCK):
                    masked_permute64(s, plane + off + i, d, plane + i, bits, at + i, reversal)
            elif hflip[b]:  # each block of a row reversed into the mirrored block
                for row in range(0, HW, W):
                    for j in range(0, W, BLOCK):
                        masked_permute64(s, plane + row + off + j, d, plane + row + W - BLOCK - j, bits, at + row + j, reversal)
            else:
                for i in range(0, HW, BLOCK):
                    masked_copy64(s, plane + off + i, d, plane + i, bits, at + i)
        if vflip[b]:
            vflip_planes(d, U(first), U(C), U(H), U(W))
    return dst


@numba.njit(nogil=True, cache=True)
def shift_flip_maps_bits(src, dst, maps, bits, reach, reversal):
    """``shift_flip_bits`` for a chain of axis maps (``compose_axis_maps``'s input)."""
    ox, oy, hflip, vflip = compose_axis_maps(maps, src.shape[2], src.shape[3])
    return shift_flip_bits(src, dst, ox, oy, hflip, vflip, bits, reach, reversal)
