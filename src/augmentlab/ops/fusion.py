"""Fusers: how a sequence of ops of one modality runs faster than op by op (for images,
one warp for a run of geometric ops and one lookup table for a run of point ops).

A modality registers one fuser, a function ``fuse(x, pairs)`` that applies ``(node,
params)`` pairs in order with exactly the result of applying them one by one; containers
call ``fuser_for`` and never import a modality's kernels.
"""

from __future__ import annotations

from collections.abc import Callable

_FUSERS: dict[str, Callable] = {}


def register_fuser(modality: str, fuse: Callable) -> Callable:
    if modality in _FUSERS:
        raise ValueError(f"a fuser for {modality!r} is already registered")
    _FUSERS[modality] = fuse
    return fuse


def fuser_for(ops: list) -> Callable | None:
    """The fuser for a sequence whose ops all share one modality (None: run op by op)."""
    kinds = {op.modality for op in ops} - {"any"}  # identity fits any fuser
    return _FUSERS.get(kinds.pop()) if len(kinds) == 1 else None
