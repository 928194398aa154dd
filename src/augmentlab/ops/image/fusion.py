"""The image fuser: a sequence's runs of geometric ops become one warp through the composed
matrix (one resampling, not one per op; exact integer shifts and flips on uint8 take a
copy path), and runs of point ops one lookup table, with the statistics the next point
ops read (a histogram, or sums for a mean: ``point_means``) taken while each warped image
is still in cache."""

from __future__ import annotations

import contextlib

import torch

from augmentlab.ops.fusion import register_fuser
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.image.geometric import GeometricOp
from augmentlab.ops.image.point import PointOp, apply_point_chain, stats_plan
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.level_stats import LevelStats
from augmentlab.ops.kernels.rows import put_rows, take_rows
from augmentlab.ops.kernels.threads import small_torch_ops_on_one_thread
from augmentlab.ops.kernels.warp import shift_flip_chain_u8, warp


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


def _integer_chain(run, shape):
    """The run as ``shift_flip_chain_u8`` takes it, ``[(apply, axis map), ...]``, or None
    if any op has no exact integer axis map (most runs with a rotation)."""
    chain = []
    for op, p in run:
        m = op.axis_map(p, shape)
        if m is None:
            return None
        chain.append((p["apply"].numpy(), m))
    return chain


def _fused_warp(x: torch.Tensor, run, for_chain=None):
    """One resampling for a run of geometric ops. Returns ``(images, stats)``: given the
    point-op chain that follows (``for_chain``) on CPU uint8, what it reads of every output
    image (``point.chain_stats``), taken while each image is still in cache (None when not
    available)."""
    if native_cpu(x) and x.dtype == torch.uint8:
        chain = _integer_chain(run, tuple(x.shape[1:]))
        if chain is not None:
            return shift_flip_chain_u8(x, chain), None

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
