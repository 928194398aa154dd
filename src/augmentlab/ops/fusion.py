"""Fusers: how a sequence of ops of one modality runs faster than op by op (for images,
one warp for a run of geometric ops and one lookup table for a run of point ops).

A modality registers one fuser, a function ``fuse(x, pairs)`` that applies ``(node,
params)`` pairs in order with exactly the result of applying them one by one; containers
call ``fuser_for`` and never import a modality's kernels. A modality whose data carries
targets (images: boxes, keypoints, masks) also registers how they move through the same
pairs, ``move(targets, pairs, shape, walk)``, grouped as its fuser groups the data, so a
fused run of geometric ops moves each target once, as it warps the image once.
"""

from __future__ import annotations

from collections.abc import Callable

_FUSERS: dict[str, Callable] = {}
_TARGET_MOVERS: dict[str, Callable] = {}


def register_fuser(modality: str, fuse: Callable, move_targets: Callable | None = None) -> Callable:
    if modality in _FUSERS:
        raise ValueError(f"a fuser for {modality!r} is already registered")
    _FUSERS[modality] = fuse
    if move_targets is not None:
        _TARGET_MOVERS[modality] = move_targets
    return fuse


def fuser_for(ops: list) -> Callable | None:
    """The fuser for a sequence whose ops all share one modality (None: run op by op)."""
    kinds = {op.modality for op in ops} - {"any"}  # identity fits any fuser
    return _FUSERS.get(kinds.pop()) if len(kinds) == 1 else None


def target_mover_for(ops: list) -> Callable | None:
    """How targets move through a sequence whose ops share one modality (None: op by op)."""
    kinds = {op.modality for op in ops} - {"any"}
    return _TARGET_MOVERS.get(kinds.pop()) if len(kinds) == 1 else None
