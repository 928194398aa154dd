"""Geometric resampling behind one API: projective warps given as forward 3x3 matrices in
pixel coordinates, and dense remaps given as per-pixel source coordinates.

Semantics: pixel centres sit at integer coordinates, bilinear interpolation, zeros outside;
``nearest=True`` with a ``fill`` value is the variant for label maps (masks), which must
gain no new values.
On CPU, uint8 batches take numba kernels: a copy kernel when every matrix is an exact
integer shift with optional flips, and a batched bilinear affine warp otherwise (1.4x
OpenCV's per-plane warp at 224x224 here, and no per-image Python at 32x32). Label maps,
projective warps and float images use OpenCV per image (20x faster than ``grid_sample``).
Other devices use ``grid_sample``. Outputs agree within interpolation tolerance across
devices. CPU batches are split across torch's threads (``threads.over_batch``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from augmentlab.ops.kernels.backend import native_cpu, opencv_single_thread
from augmentlab.ops.kernels.level_stats import NOTHING, LevelStats
from augmentlab.ops.kernels.numba_shift_bits import packs_blocks, row_reversal, shift_flip_bits, shift_flip_maps_bits, shift_mask_bits
from augmentlab.ops.kernels.numba_simd import MASKED_MOVES
from augmentlab.ops.kernels.numba_u8 import APPLY, FX, FY, TX, TY, shift_flip_maps, shift_flip_table, shift_masks
from augmentlab.ops.kernels.numba_warp import fits_fixed_point, integer_shift, invert_3x3, warp_affine_u8
from augmentlab.ops.kernels.threads import over_batch, slice_count

# From this many pixels per image on, OpenCV runs per channel plane (no layout copies);
# below it, per image in H x W x C (fewer calls). Both give identical results.
PLANE_PIXELS = 64 * 64


def _to_hwc_batch(x: torch.Tensor) -> np.ndarray:
    return x.permute(0, 2, 3, 1).contiguous().numpy()


def _from_hwc_batch(a: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous().to(like.dtype)


def _per_image(x: torch.Tensor, fn, stats: LevelStats | None = None) -> torch.Tensor:
    """Run ``fn(i, src, dst)`` over 2-D planes or H x W x C images; returns (B, C, H, W).

    ``stats``, when given, counts each output image while it is still in cache."""
    with opencv_single_thread():
        return _per_image_loop(x, fn, stats)


def _per_image_loop(x: torch.Tensor, fn, stats: LevelStats | None) -> torch.Tensor:
    B, C, H, W = x.shape
    if H * W >= PLANE_PIXELS or C == 1 or C > 4:
        src = x.contiguous().numpy()
        out = np.empty_like(src)

        def run(start, stop):
            # Large images are first copied, in order, into a scratch buffer that stays
            # in cache: resampling reads rows out of order, which stalls on a source in
            # DRAM (measured 14% faster at 224x224).
            scratch = np.empty_like(src[0]) if H * W >= PLANE_PIXELS else None
            for i in range(start, stop):
                image = src[i]
                if scratch is not None:
                    np.copyto(scratch, image)
                    image = scratch
                for c in range(C):
                    fn(i, image[c], out[i, c])
                if stats is not None:
                    stats.take(out[i : i + 1], i)

        over_batch(run, B, src.nbytes // max(1, B))
        return torch.from_numpy(out)
    src = _to_hwc_batch(x)
    out = np.empty_like(src)

    def run_hwc(start, stop):
        for i in range(start, stop):
            fn(i, src[i], out[i])

    over_batch(run_hwc, B, src.nbytes // max(1, B))
    result = _from_hwc_batch(out, x)
    if stats is not None:
        stats.take(result.numpy())
    return result


def _inverse(forward: torch.Tensor) -> np.ndarray:
    """Batched 3x3 inverse by the adjugate (``invert_3x3``): 10x cheaper than
    ``np.linalg.inv`` for small batches of 3x3 matrices, on the hot path of every warp."""
    return invert_3x3(np.ascontiguousarray(forward.detach().cpu().numpy(), dtype=np.float64))


def _integer_shift(inv: np.ndarray):
    """If every inverse matrix is ``src = (±x + tx, ±y + ty)`` with integer shifts, return
    the shift/flip parameters for the copy kernel, else None."""
    ok, sx, sy, t = integer_shift(inv)
    return (sx, sy, t) if ok else None


def shift_flip_u8(x: torch.Tensor, sx, tx, sy, ty) -> torch.Tensor:
    """``out[y, x] = in[sy*y + ty, sx*x + tx]`` (zero outside) for CPU uint8 ``x``, with
    per-sample int arrays; ``sx``/``sy`` are ±1 (the inverse map of a flip-and-shift)."""
    H, W = x.shape[-2], x.shape[-1]
    hflip, vflip = np.less(sx, 0), np.less(sy, 0)
    # A flipped axis reads the shifted row backwards, so its shift is measured from the
    # far edge.
    return _shift_flip(x, tx - (W - 1) * hflip, ty - (H - 1) * vflip, hflip, vflip)


def shift_flip_chain_u8(x: torch.Tensor, chain) -> torch.Tensor:
    """The copy kernel for exact integer axis maps applied in order, on CPU uint8 ``x``:
    ``chain`` is a list of ``(apply, (fx, tx, fy, ty))``, ``apply`` True or a per-sample
    bool array, and the forward map ``x' = (-x if fx else x) + tx`` (the same in y) as
    ``GeometricOp.axis_map`` gives it: flips as bools, shifts as ints, or either as
    per-sample arrays. Composed and copied in one compiled call (``shift_flip_maps``)."""
    maps = np.empty((len(chain), 5, x.shape[0]), np.int64)
    for k, (on, (fx, tx, fy, ty)) in enumerate(chain):  # (a view per row cost 3 us more a batch)
        maps[k, APPLY] = on
        maps[k, FX] = fx
        maps[k, TX] = tx
        maps[k, FY] = fy
        maps[k, TY] = ty
    kernel = _copy_kernel(*x.shape[-2:])
    return _into_new_batch(x, lambda s, d, a, b: kernel.composing(s, d, maps[:, :, a:b], *kernel.tables))


def _per_sample(v, batch: int, dtype) -> np.ndarray:
    """``v`` (a scalar or a (batch,) array) as a contiguous (batch,) array of ``dtype``."""
    a = np.asarray(v, dtype)
    return a if a.shape == (batch,) else np.full(batch, a, dtype)


def _shift_flip(x: torch.Tensor, ox, oy, hflip, vflip) -> torch.Tensor:
    """The copy kernel on CPU uint8 ``x``; its arguments are scalars or per-sample arrays."""
    B = x.shape[0]
    ox, oy = _per_sample(ox, B, np.int64), _per_sample(oy, B, np.int64)
    hflip, vflip = _per_sample(hflip, B, np.bool_), _per_sample(vflip, B, np.bool_)
    kernel = _copy_kernel(*x.shape[-2:])
    return _into_new_batch(x, lambda s, d, a, b: kernel.copy(s, d, ox[a:b], oy[a:b], hflip[a:b], vflip[a:b], *kernel.tables))


def _into_new_batch(x: torch.Tensor, kernel) -> torch.Tensor:
    """``kernel(src, dst, start, stop)`` on images [start, stop) of CPU ``x`` into a new
    batch, split across threads; called once, directly, for a one-slice batch."""
    B = x.shape[0]
    src = x.contiguous()
    out = torch.empty_like(src)
    s, d = src.numpy(), out.numpy()
    item = s.nbytes // max(1, B)
    if slice_count(B, item) <= 1:  # small batches are mostly overhead
        kernel(s, d, 0, B)
    else:
        over_batch(lambda a, b: kernel(s[a:b], d[a:b], a, b), B, item)
    return out


# The masks of the copy kernels: every shift up to ``MASKED_SHIFT`` pixels (a pad-crop of
# up to 8) where the table fits ``MASK_TABLE_BYTES``, else the largest reach that fits,
# down to ``MIN_REACH``; past that, no table, and the band-by-band kernel. 224x224 images
# would take 467 kB of byte masks at a reach of 4; the band kernel was as fast there
# (flip + crop, batches of 64: 60-65% of memcpy against 57-59% with the table).
MASK_TABLE_BYTES = 1 << 18
MASKED_SHIFT = 8
MIN_REACH = 4


class CopyKernel(NamedTuple):
    """The copy kernel for one image size: ``copy(src, dst, ox, oy, hflip, vflip, *tables)``,
    ``composing(src, dst, maps, *tables)`` (``compose_axis_maps``'s input), and the
    read-only tables both take after those arguments."""

    copy: Callable
    composing: Callable
    tables: tuple


@functools.lru_cache(maxsize=8)
def _copy_kernel(H: int, W: int) -> CopyKernel:
    """Built once per image size: the 1-bit-mask kernel (``numba_shift_bits``) where
    numba compiles its masked moves (``MASKED_MOVES``) and the rows pack 64-byte blocks,
    else the byte-mask kernel (``shift_flip_table``), whose empty table means the band
    kernel."""
    bits = MASKED_MOVES and packs_blocks(H, W)
    per_mask_byte = 1 / 8 if bits else 1
    for reach in range(MASKED_SHIFT, MIN_REACH - 1, -1):
        if (2 * reach + 1) * (H + 2 * reach) * W * per_mask_byte <= MASK_TABLE_BYTES:
            break
    else:
        bits, reach = False, 0
    if bits:
        tables = (shift_mask_bits(H, W, reach), reach, row_reversal(W))
        kernel = CopyKernel(shift_flip_bits, shift_flip_maps_bits, tables)
    else:
        table = shift_masks(H, W, reach) if reach else np.zeros((0, H * W), np.uint8)
        kernel = CopyKernel(shift_flip_table, shift_flip_maps, (table, reach))
    for t in kernel.tables:
        if isinstance(t, np.ndarray):
            t.flags.writeable = False  # shared by every batch of this size
    return kernel


def _affine_u8(x: torch.Tensor, inv: np.ndarray, fill: int, stats: LevelStats | None) -> torch.Tensor:
    """The batched bilinear kernel, split across threads."""
    maps = np.ascontiguousarray(inv[:, :2])
    counts = stats.kernel_args if stats is not None else lambda a, b: NOTHING
    return _into_new_batch(x, lambda s, d, a, b: warp_affine_u8(s, d, maps[a:b], fill, *counts(a, b)))


def warp(x: torch.Tensor, forward: torch.Tensor, *, nearest: bool = False, fill: int = 0,
         stats: LevelStats | None = None) -> torch.Tensor:
    """Warp each image of ``x`` (B, C, H, W) by its forward matrix (B, 3, 3, float64);
    ``nearest`` takes the nearest source pixel instead of interpolating, and pixels that
    come from outside the image get ``fill``.

    ``stats`` (CPU uint8 only) counts each output image (its histogram, or its sums below
    two levels) while the image is still in cache."""
    B, C, H, W = x.shape
    if B == 0:
        return x.clone()
    inv = _inverse(forward)
    if native_cpu(x):
        shift = _integer_shift(inv) if x.dtype == torch.uint8 and fill == 0 else None
        if shift is not None:
            sx, sy, t = shift
            out = shift_flip_u8(x, sx, t[:, 0], sy, t[:, 1])
            if stats is not None:
                stats.take(out.numpy())
            return out
        affine = bool(np.abs(inv[:, 2] - (0.0, 0.0, 1.0)).max() < 1e-12)
        if (affine and x.dtype == torch.uint8 and not nearest and fill == int(fill) and 0 <= fill <= 255
                and fits_fixed_point(inv, H, W)):
            return _affine_u8(x, inv, int(fill), stats)
        import cv2  # here, not at import: an augment that never needs OpenCV saves its 14 MB

        flags = (cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP

        def one(i, src, dst):
            if affine:
                cv2.warpAffine(src, inv[i, :2], (W, H), dst=dst, flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
            else:
                cv2.warpPerspective(src, inv[i], (W, H), dst=dst, flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)

        return _in_range(_per_image(x, one, stats), x, fill, nearest)
    return _warp_torch(x, torch.from_numpy(inv).to(x.device), nearest, fill)


def _in_range(out: torch.Tensor, x: torch.Tensor, fill: float, nearest: bool) -> torch.Tensor:
    """Float results clamped to the range of the input and ``fill``: a bilinear blend stays
    inside it exactly, but OpenCV's float arithmetic can land an ulp outside (-3e-15 from
    an image in [0, 1])."""
    if nearest or x.dtype == torch.uint8 or x.numel() == 0:
        return out
    lo, hi = min(float(x.min()), fill), max(float(x.max()), fill)
    return out.clamp_(lo, hi)


def _pixel_grid(H: int, W: int, device, dtype) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(H, device=device, dtype=dtype), torch.arange(W, device=device, dtype=dtype), indexing="ij")
    return torch.stack([xs, ys, torch.ones_like(xs)], dim=-1)  # (H, W, 3)


def _warp_torch(x: torch.Tensor, inv: torch.Tensor, nearest: bool = False, fill: int = 0) -> torch.Tensor:
    B, C, H, W = x.shape
    grid = _pixel_grid(H, W, x.device, torch.float64)
    src = torch.einsum("bij,hwj->bhwi", inv, grid)
    coords = (src[..., :2] / src[..., 2:3]).float()
    return remap(x, coords, nearest=nearest, fill=fill)


def remap(x: torch.Tensor, coords: torch.Tensor, *, nearest: bool = False, fill: int = 0) -> torch.Tensor:
    """Sample ``x`` at per-pixel source coordinates ``coords`` (B, H, W, 2) in pixels (x, y);
    ``nearest`` and ``fill`` as for ``warp``."""
    B, C, H, W = x.shape
    if native_cpu(x):
        import cv2

        maps = coords.float().contiguous().numpy()
        interpolation = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR

        def one(i, src, dst):
            cv2.remap(src, maps[i, ..., 0], maps[i, ..., 1], interpolation, dst=dst, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)

        return _in_range(_per_image(x, one), x, fill, nearest)
    norm = torch.empty_like(coords, dtype=torch.float32)
    norm[..., 0] = (2 * coords[..., 0] + 1) / W - 1
    norm[..., 1] = (2 * coords[..., 1] + 1) / H - 1
    if nearest:
        # label maps: no interpolation, and ``fill`` where the nearest pixel is outside
        y = F.grid_sample(x.double(), norm.double(), mode="nearest", padding_mode="zeros", align_corners=False)
        taken = torch.round(coords)
        inside = (taken[..., 0] >= 0) & (taken[..., 0] <= W - 1) & (taken[..., 1] >= 0) & (taken[..., 1] <= H - 1)
        return torch.where(inside.unsqueeze(1), y, float(fill)).to(x.dtype)
    xf = x.float()
    y = F.grid_sample(xf, norm, mode="bilinear", padding_mode="zeros", align_corners=False)
    return y.round().clamp(0, 255).to(x.dtype) if x.dtype == torch.uint8 else _in_range(y.to(x.dtype), x, fill, False)
