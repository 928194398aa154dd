"""Check recorded parameters (a hand-edited replay manifest, say) before they are applied.

Three checks, each naming the parameter by its path in the record:

1. **Structure**: the same keys, dtypes and shapes that the policy itself draws for a
   batch of this size and sample shape.
2. **Finite**: no NaN or infinity.
3. **Range**: every value an op draws through its strength helpers (``signed``,
   ``unsigned``) must lie where those helpers can put it at the op's own ``m``. The
   bounds are found by running the op's sampler with the helpers pinned to their
   extremes; a value that also moves with the random stream (a crop position, a seed) is
   bounded only by its own rule (seeds are non-negative 62-bit integers).
"""

from __future__ import annotations

from typing import Any

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.rng import torch_generator

SEED_KEY = "seed"
SEED_LIMIT = 2**62


def check_params(policy, params: Any, batch: int, shape: tuple[int, ...], where: str = "params") -> None:
    """Raise one :class:`AugmentlabError` naming the first bad parameter under ``where``."""
    fresh = policy.sample(torch_generator(0), batch, shape)
    _same_structure(params, fresh, where)
    _in_range(policy, params, shape, where)


def _same_structure(got: Any, want: Any, where: str) -> None:
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise AugmentlabError(f"{where}: expected a tensor record; got {type(got).__name__}")
        if got.dtype != want.dtype or got.shape != want.shape:
            raise AugmentlabError(f"{where}: expected {str(want.dtype).removeprefix('torch.')} of shape {list(want.shape)}; "
                                  f"got {str(got.dtype).removeprefix('torch.')} of shape {list(got.shape)}")
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise AugmentlabError(f"{where}: holds NaN or infinity; expected finite numbers")
        return
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            raise AugmentlabError(f"{where}: expected the keys {sorted(want)}; got {keys}")
        for k in want:
            _same_structure(got[k], want[k], f"{where}.{k}")
        return
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise AugmentlabError(f"{where}: expected a list of {len(want)} records")
        for i, (g, w) in enumerate(zip(got, want)):
            _same_structure(g, w, f"{where}[{i}]")


def _in_range(node, params: Any, shape, where: str) -> None:
    if isinstance(node, Op):
        bounds = op_bounds(node, shape)
        for key, value in params.items():
            if key == SEED_KEY and not bool(((value >= 0) & (value < SEED_LIMIT)).all()):
                raise AugmentlabError(f"{where}.{key}: seeds must be integers from 0 to 2^62-1")
            if key in bounds:
                lo, hi = bounds[key]
                bad = (value.double() < lo) | (value.double() > hi)
                if bool(bad.any()):
                    v = value.double()[bad].reshape(-1)[0].item()
                    low, high = lo[bad].reshape(-1)[0].item(), hi[bad].reshape(-1)[0].item()
                    raise AugmentlabError(f"{where}.{key}: {v!r} is outside the range [{low:g}, {high:g}] that "
                                          f"{node.name}(m={node.m:g}) draws from")
        return
    children = getattr(node, "children", None)
    if isinstance(children, list) and isinstance(params, dict) and isinstance(params.get("children"), list):
        for i, (child, cp) in enumerate(zip(children, params["children"])):
            _in_range(child, cp, shape, f"{where}.children[{i}]")


_BOUNDS: dict[tuple, dict] = {}


def op_bounds(op: Op, shape: tuple[int, ...], batch: int = 1) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Per parameter key, the elementwise ``(low, high)`` that the op's strength helpers
    allow at its ``m``, for keys that depend on nothing else random."""
    key = (type(op), tuple(sorted((k, repr(v)) for k, v in op.config().items())), tuple(shape))
    if key not in _BOUNDS:
        high = _pinned(op, shape, batch, top=True, seed=0)
        low = _pinned(op, shape, batch, top=False, seed=0)
        other = _pinned(op, shape, batch, top=True, seed=1)
        bounds = {}
        for k in high:
            if k not in low or not high[k].is_floating_point() and high[k].dtype != torch.int64:
                continue
            if high[k].shape != other[k].shape or not torch.equal(high[k], other[k]):
                continue  # moves with the random stream, not only with the helpers
            a, b = high[k].double()[:1], low[k].double()[:1]
            bounds[k] = (torch.minimum(a, b)[0], torch.maximum(a, b)[0])
        _BOUNDS[key] = bounds
    return _BOUNDS[key]


def _pinned(op: Op, shape, batch: int, *, top: bool, seed: int) -> dict:
    """The op's parameters with ``signed`` at +limit*m (or -limit*m) and ``unsigned`` at
    limit*m (or 0)."""
    g = torch_generator(seed)

    def signed(g_, b, limit):
        return torch.full((b,), (1.0 if top else -1.0) * limit * op.m, dtype=torch.float64)

    def unsigned(g_, b, limit):
        return torch.full((b,), limit * op.m if top else 0.0, dtype=torch.float64)

    op.signed, op.unsigned = signed, unsigned  # instance attributes shadow the methods
    try:
        return op.sample_params(g, batch, tuple(shape))
    finally:
        del op.signed, op.unsigned
