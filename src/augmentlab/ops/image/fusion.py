"""The image fuser: a sequence's runs of geometric ops become one warp through the composed
matrix (one resampling, not one per op; exact integer shifts and flips on uint8 take a
copy path), and runs of point ops one lookup table, with the statistics the next point
ops read (a histogram, or sums for a mean: ``point_means``) taken while each warped image
is still in cache."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from augmentlab.ops.fusion import register_fuser
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.image.geometric import GeometricOp
from augmentlab.ops.image.point import PointOp, apply_point_chain, stats_plan
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.level_stats import LevelStats
from augmentlab.ops.kernels.rows import put_rows, take_rows
from augmentlab.ops.kernels.threads import small_torch_ops_on_one_thread
from augmentlab.ops.kernels.warp import shift_flip_forward_u8, warp


def fuse_image_ops(x: torch.Tensor, pairs) -> torch.Tensor:
    """Apply ``(node, params)`` pairs in order, fusing runs of geometric and of point ops."""
    runs = _runs(pairs)
    original, stats = x, None
    for k, (kind, run) in enumerate(runs):
        if kind == "geometric" and len(run) > 1:
            following = runs[k + 1] if k + 1 < len(runs) else ("", [])
            reader = following[1] if following[0] == "point" and any(op.needs_stats for op, _ in following[1]) else None
            with _kernel_run(x):
                x, stats = _fused_warp(x, run, for_chain=reader)
        elif kind == "point" and (len(run) > 1 or _owned(x, original)):
            # an intermediate we made can be overwritten: the caller's input never is
            inplace = _owned(x, original)
            with _kernel_run(x):
                if stats is not None and bool(_any_apply(run).all()):
                    x = apply_point_chain(x, run, inplace=inplace, stats=stats)
                else:
                    x = _masked(x, run, lambda xs, r: apply_point_chain(xs, r, inplace=inplace and xs is x))
            stats = None
        else:
            x = run[0][0].apply(x, run[0][1])
            stats = None
    return x


def _kernel_run(x: torch.Tensor):
    """A fused run on a CPU uint8 batch is native kernels plus torch on small tensors
    (matrices, tables): those on one thread, so they leave the cores to the kernels."""
    if native_cpu(x) and x.dtype == torch.uint8:
        return small_torch_ops_on_one_thread()
    return contextlib.nullcontext()


def _runs(pairs):
    """Split (op, params) pairs into maximal runs of fusable ops: [(kind, run), ...]."""
    runs = []
    for op, p in pairs:
        kind = _fusable(op)
        if kind and runs and runs[-1][0] == kind:
            runs[-1][1].append((op, p))
        else:
            runs.append((kind, [(op, p)]))
    return runs


def _owned(x: torch.Tensor, original: torch.Tensor) -> bool:
    """True when ``x`` is a tensor this container made, not (a view of) its input."""
    return x.untyped_storage().data_ptr() != original.untyped_storage().data_ptr()


_KINDS: dict[type, str] = {}  # a node's kind by its class: isinstance on the op ABCs is slow


def _fusable(node) -> str:
    kind = _KINDS.get(type(node))
    if kind is None:
        kind = _KINDS[type(node)] = "geometric" if isinstance(node, GeometricOp) else "point" if isinstance(node, PointOp) else ""
    return kind


def _any_apply(run) -> torch.Tensor:
    """Per sample: does any op of the run apply?"""
    return torch.stack([p["apply"] for _, p in run]).any(0)


def _masked(x: torch.Tensor, run, fn) -> torch.Tensor:
    """Run ``fn`` on the samples that any op of ``run`` applies to."""
    any_apply = _any_apply(run)
    if not bool(any_apply.any()):
        return x
    if bool(any_apply.all()):
        return fn(x, run)
    idx = any_apply.nonzero().squeeze(1)
    sub = [(op, {k: v[idx] for k, v in p.items()}) for op, p in run]
    return put_rows(x, idx, fn(take_rows(x, idx), sub))


def _integer_maps(run, shape):
    """Compose the exact integer axis maps of a run (None if any op has none).

    Returns forward maps ``(fx, tx, fy, ty)`` as ``GeometricOp.axis_map`` gives them:
    ``x' = (-x if fx else x) + tx``. Scalars stay scalars while they can (see
    ``shift_flip_forward_u8``).
    """
    maps = [op.axis_map(p, shape) for op, p in run]
    if any(m is None for m in maps):  # before composing any: most runs with a rotation are not integer
        return None
    fx, tx, fy, ty = False, 0, False, 0
    for m, (_, p) in zip(maps, run):
        on = p["apply"].numpy()
        if np.count_nonzero(on) < len(on):  # where the op does not apply, its map is the identity
            m = (_flip_where(m[0], on), _shift_where(m[1], on), _flip_where(m[2], on), _shift_where(m[3], on))
        fx, tx = _then(fx, tx, m[0], m[1])
        fy, ty = _then(fy, ty, m[2], m[3])
    return fx, tx, fy, ty


def _flip_where(flip, on: np.ndarray):
    if isinstance(flip, (bool, np.bool_)):
        return on if flip else False
    return flip & on


def _shift_where(t, on: np.ndarray):
    return 0 if _is_zero(t) else np.where(on, t, 0)


def _is_zero(v) -> bool:
    return isinstance(v, (int, np.integer)) and v == 0


def _then(flip, t, flip1, t1):
    """The axis map ``x -> (-x' if flip1 else x') + t1`` after ``x' = (-x if flip else x) + t``."""
    if isinstance(flip1, (bool, np.bool_)):
        if flip1:
            flip, t = (not flip) if isinstance(flip, (bool, np.bool_)) else ~flip, -t
    else:
        flip = flip1 if flip is False else flip ^ flip1
        t = t if _is_zero(t) else np.where(flip1, np.negative(t), t)
    return flip, (t if _is_zero(t1) else t1 if _is_zero(t) else t + t1)


def _fused_warp(x: torch.Tensor, run, for_chain=None):
    """One resampling for a run of geometric ops. Returns ``(images, stats)``: given the
    point-op chain that follows (``for_chain``) on CPU uint8, what it reads of every output
    image (``point.chain_stats``), taken while each image is still in cache (None when not
    available)."""
    if native_cpu(x) and x.dtype == torch.uint8:
        maps = _integer_maps(run, tuple(x.shape[1:]))
        if maps is not None:
            return shift_flip_forward_u8(x, *maps), None

    def compose(xs, sub, stats=None):
        shape = tuple(xs.shape[1:])
        total = mx.eye(xs.shape[0])
        for op, p in sub:
            m = op.matrix({k: v for k, v in p.items() if k != "apply"}, shape)
            total = torch.where(p["apply"].view(-1, 1, 1), m, mx.IDENTITY) @ total
        return warp(xs, total, stats=stats)

    if for_chain is not None and native_cpu(x) and x.dtype == torch.uint8 and bool(_any_apply(run).all()):
        B, C, H, W = x.shape
        plan = stats_plan(x, for_chain)
        counts = LevelStats(B, C, None if plan is None else plan.bounds)
        out = compose(x, run, counts)
        return out, (torch.from_numpy(counts.hist) if plan is None else plan.means(counts.sums, H * W))
    return _masked(x, run, compose), None


def move_image_targets(targets, pairs, shape, walk):
    """Targets through ``(node, params)`` pairs grouped as ``fuse_image_ops`` groups them:
    a fused run of geometric ops moves every target once, through the composed matrix the
    images are warped by; anything else goes through ``walk(node, targets, params)``."""
    from augmentlab.ops.image.targets import applied_matrix, through_matrix

    for kind, run in _runs(pairs):
        if kind == "geometric" and len(run) > 1:
            total = mx.eye(len(run[0][1]["apply"]))
            for op, p in run:
                total = applied_matrix(op, p, shape) @ total
            targets = through_matrix(targets, total)
        else:
            for node, p in run:
                targets = walk(node, targets, p)
    return targets


register_fuser("image", fuse_image_ops, move_image_targets)
