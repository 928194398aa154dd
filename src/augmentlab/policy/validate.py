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


def check_params(policy, params: Any, batch: int, shape: tuple[int, ...], where: str = "params", reference: Any = None) -> None:
    """Raise one :class:`AugmentlabError` naming the first bad parameter under ``where``.
    ``reference``: a draw of the policy for this batch size, when the caller has one
    (every full batch of a manifest has the same structure)."""
    fresh = reference if reference is not None else policy.sample(torch_generator(0), batch, shape)
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
                lo, hi = (b.expand_as(value) for b in bounds[key])
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


def op_bounds(op: Op, shape: tuple[int, ...], batch: int = 64) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Per parameter key, the elementwise ``(low, high)`` that the op's strength helpers
    allow at its ``m``, for keys that depend on nothing else random.

    Each helper call is pinned to one end of its range; a value is monotone in each call,
    so its extremes lie at the corners. Every corner is tried when there are at most
    ``MAX_CORNER_CALLS`` calls (else the two where all calls sit at the same end, which
    is exact when each value comes from one call). With the helpers pinned, a key that
    depends on nothing else is the same for every sample and every seed; a key that
    varies either way also depends on the random stream and gets no bound here."""
    key = (type(op), tuple(sorted((k, repr(v)) for k, v in op.config().items())), tuple(shape))
    if key not in _BOUNDS:
        calls = _count_calls(op, shape, batch)
        corners = range(2**calls) if calls <= MAX_CORNER_CALLS else (0, 2**calls - 1)
        probes = [[_pinned(op, shape, batch, corner, seed) for seed in range(3)] for corner in corners]
        bounds = {}
        for k, first in probes[0][0].items():
            if not (first.is_floating_point() or first.dtype == torch.int64):
                continue
            per_corner = []
            for runs in probes:
                values = [r[k].double() for r in runs if k in r and r[k].shape == first.shape]
                if len(values) != len(runs) or not all(bool((v == values[0][:1]).all()) for v in values):
                    break  # moves with the random stream, not only with the helpers
                per_corner.append(values[0][0])
            else:
                stacked = torch.stack(per_corner)
                bounds[k] = (stacked.min(0).values, stacked.max(0).values)
        _BOUNDS[key] = bounds
    return _BOUNDS[key]


MAX_CORNER_CALLS = 8


def _count_calls(op: Op, shape, batch: int) -> int:
    counter = {"n": 0}

    def count(g_, b, limit):
        counter["n"] += 1
        return torch.zeros(b, dtype=torch.float64)

    _with_helpers(op, count, count, lambda: op.sample_params(torch_generator(0), batch, tuple(shape)))
    return counter["n"]


def _pinned(op: Op, shape, batch: int, corner: int, seed: int) -> dict:
    """The op's parameters with helper call ``i`` at the top of its range when bit ``i``
    of ``corner`` is set (``signed``: +limit*m, ``unsigned``: limit*m), else at the bottom
    (-limit*m, 0)."""
    state = {"i": 0}

    def top() -> bool:
        bit = (corner >> state["i"]) & 1
        state["i"] += 1
        return bool(bit)

    def signed(g_, b, limit):
        return torch.full((b,), (1.0 if top() else -1.0) * limit * op.m, dtype=torch.float64)

    def unsigned(g_, b, limit):
        return torch.full((b,), limit * op.m if top() else 0.0, dtype=torch.float64)

    return _with_helpers(op, signed, unsigned, lambda: op.sample_params(torch_generator(seed), batch, tuple(shape)))


def _with_helpers(op: Op, signed, unsigned, fn):
    op.signed, op.unsigned = signed, unsigned  # instance attributes shadow the methods
    try:
        return fn()
    finally:
        del op.signed, op.unsigned
