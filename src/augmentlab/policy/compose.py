"""Containers: Sequential, OneOf, SomeOf(n), RandomApply(p).

Every node draws parameters for the whole batch up front (so the number of draws never
depends on the data), and records per-sample ``apply`` masks instead of branching. A
container's parameters are ``{"apply": mask, "children": [child params, ...]}``.

Sequential fuses runs of geometric ops into one warp (one resampling, not one per op) and
runs of point ops into one lookup table.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.image.geometric import GeometricOp
from augmentlab.ops.image.point import PointOp, apply_point_chain
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.numba_u8 import histogram
from augmentlab.ops.kernels.warp import shift_flip_u8, warp
from augmentlab.ops.printing import spec_value
from augmentlab.rng import bernoulli_mask
from augmentlab.values import check_number, check_probability

Tree = dict[str, Any]


def _check_p(p: float, where: str) -> float:
    return check_probability(p, f"{where}: p")


def and_mask(params: Tree, mask: torch.Tensor) -> Tree:
    """Restrict a node's parameters to the samples in ``mask``."""
    return dict(params, apply=params["apply"] & mask)


class Node:
    """A container of ops or other containers."""

    kind = ""

    def __init__(self, children, p: float = 1.0):
        self.children = list(children)
        if not self.children:
            raise AugmentlabError(f"{self.kind}: needs at least one op; the policy is empty")
        for c in self.children:
            if not isinstance(c, (Op, Node)):
                raise AugmentlabError(f"{self.kind}: {c!r} is not an op or container")
            if is_batch_op(c):
                raise AugmentlabError(f"{c.name} needs labels and mixes whole batches; give it to the trainer, not an image policy")
        self.p = _check_p(p, self.kind)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.config() == other.config()

    def __hash__(self):
        return hash(repr(self))

    def config(self) -> dict:
        return {"children": self.children, "p": self.p}

    def __repr__(self) -> str:
        return self.to_spec()

    # -- printing, dicts and magnitude: every node (and op) answers for itself ----------------
    def _spec_args(self) -> dict:
        """The non-default arguments besides the children (``n`` is always shown)."""
        defaults = {k: v.default for k, v in inspect.signature(type(self).__init__).parameters.items()}
        return {k: v for k, v in self.config().items() if k != "children" and (k == "n" or v != defaults.get(k))}

    def to_spec(self, inside_sequence: bool = False) -> str:
        """The compact string form, as ``parse_policy`` reads it."""
        parts = [c.to_spec() for c in self.children] + [f"{k}={spec_value(v)}" for k, v in self._spec_args().items()]
        return f"{self.kind}(" + ",".join(parts) + ")"

    def to_dict(self) -> dict:
        """The dict (YAML/JSON) form."""
        cfg = {k: v for k, v in self.config().items() if k != "children" and v is not None}
        return {self.kind: [c.to_dict() for c in self.children], **cfg}

    def with_magnitude(self, m: float) -> Node:
        """A copy with every op's magnitude set to ``m``."""
        return type(self)(**{**self.config(), "children": [c.with_magnitude(m) for c in self.children]})

    def ops(self) -> list[Op]:
        """Every op inside, in order."""
        return [op for c in self.children for op in c.ops()]

    def magnitude_matters(self) -> bool:
        return any(c.magnitude_matters() for c in self.children)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.apply(x, self.sample(generator, x.shape[0], tuple(x.shape[1:])))

    def _mask(self, g, batch) -> torch.Tensor:
        return bernoulli_mask(g, batch, self.p)

    def sample(self, g: torch.Generator, batch: int, shape: tuple[int, ...]) -> Tree:
        mask = self._mask(g, batch)
        children = [c.sample(g, batch, shape) for c in self.children]
        return {"apply": mask, "children": self.restrict(g, batch, mask, children)}

    def restrict(self, g, batch, mask, children: list[Tree]) -> list[Tree]:
        if self.p >= 1.0:  # the mask is all True: nothing to restrict
            return children
        return [and_mask(c, mask) for c in children]

    def apply(self, x: torch.Tensor, params: Tree) -> torch.Tensor:
        for child, cp in zip(self.children, params["children"]):
            x = child.apply(x, cp)
        return x


class Sequential(Node):
    kind = "sequential"

    def to_spec(self, inside_sequence: bool = False) -> str:
        if type(self) is Sequential and self.p == 1.0 and len(self.children) > 1 and not inside_sequence:
            return "+".join(c.to_spec(inside_sequence=True) for c in self.children)
        return super().to_spec()

    def apply(self, x, params):
        runs = _runs(list(zip(self.children, params["children"])))
        original, hist = x, None
        for k, (kind, run) in enumerate(runs):
            if kind == "geometric" and len(run) > 1:
                following = runs[k + 1] if k + 1 < len(runs) else ("", [])
                x, hist = _fused_warp(x, run, want_hist=following[0] == "point" and any(op.needs_stats for op, _ in following[1]))
            elif kind == "point" and (len(run) > 1 or _owned(x, original)):
                # an intermediate we made can be overwritten: the caller's input never is
                inplace = _owned(x, original)
                if hist is not None and bool(_any_apply(run).all()):
                    x = apply_point_chain(x, run, inplace=inplace, hist=hist)
                else:
                    x = _masked(x, run, lambda xs, r: apply_point_chain(xs, r, inplace=inplace and xs is x))
                hist = None
            else:
                x = run[0][0].apply(x, run[0][1])
                hist = None
        return x


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


def _fusable(node) -> str:
    if isinstance(node, GeometricOp):
        return "geometric"
    if isinstance(node, PointOp):
        return "point"
    return ""


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
    out = x.clone()
    out[idx.to(x.device)] = fn(x[idx.to(x.device)], sub)
    return out


def _integer_maps(run, shape):
    """Compose the exact integer axis maps of a run (None if any op has none).

    Returns forward maps ``(sx, tx, sy, ty)``, each an int or a per-sample int64 array:
    ``x' = sx*x + tx``.
    """
    total = None
    for op, p in run:
        m = op.axis_map(p, shape)
        if m is None:
            return None
        on = p["apply"].numpy()
        if not on.all():  # where the op does not apply, its map is the identity
            on = on.astype(np.int64)
            m = (1 + on * (m[0] - 1), on * m[1], 1 + on * (m[2] - 1), on * m[3])
        if total is None:
            total = m
        else:  # the new map after the old: x'' = s1*(s*x + t) + t1
            sx, tx, sy, ty = total
            total = (m[0] * sx, m[0] * tx + m[1], m[2] * sy, m[2] * ty + m[3])
    return total


def _fused_warp(x: torch.Tensor, run, want_hist: bool = False):
    """One resampling for a run of geometric ops. Returns ``(images, hist)``: with
    ``want_hist`` on CPU uint8, the (B, C, 256) histogram of every output image, taken
    while each image is still in cache (None when not available)."""
    if native_cpu(x) and x.dtype == torch.uint8:
        maps = _integer_maps(run, tuple(x.shape[1:]))
        if maps is not None:
            sx, tx, sy, ty = maps  # forward; the inverse of x' = s*x + t (s = ±1) is x = s*x' - s*t
            return shift_flip_u8(x, sx, -sx * tx, sy, -sy * ty), None

    def compose(xs, sub, after_image=None):
        shape = tuple(xs.shape[1:])
        total = mx.eye(xs.shape[0])
        for op, p in sub:
            m = op.matrix({k: v for k, v in p.items() if k != "apply"}, shape)
            total = torch.where(p["apply"].view(-1, 1, 1), m, mx.IDENTITY) @ total
        return warp(xs, total, after_image)

    if want_hist and native_cpu(x) and x.dtype == torch.uint8 and bool(_any_apply(run).all()):
        B, C = x.shape[:2]
        hist = torch.empty(B, C, 256, dtype=torch.float32)
        h = hist.numpy()
        out = compose(x, run, lambda i, img: histogram(img.reshape(1, C, -1), h[i : i + 1]))
        return out, hist
    return _masked(x, run, compose), None


class OneOf(Node):
    """Each sample gets exactly one child, chosen with ``weights`` (uniform by default)."""

    kind = "one_of"

    def __init__(self, children, p: float = 1.0, weights=None):
        super().__init__(children, p)
        if weights is not None:
            expected = f"one_of: weights must be a list of {len(self.children)} non-negative numbers, not all zero"
            if not isinstance(weights, (list, tuple)) or len(weights) != len(self.children):
                raise AugmentlabError(f"{expected}; got {weights!r}"[:200])
            weights = [check_number(w, f"one_of: weights[{i}]", low=0.0) for i, w in enumerate(weights)]
            if sum(weights) <= 0 or not math.isfinite(sum(weights)):
                raise AugmentlabError(f"{expected}; got {weights}")
        self.weights = weights

    def config(self):
        return dict(super().config(), weights=self.weights)

    def restrict(self, g, batch, mask, children):
        w = torch.tensor(self.weights if self.weights else [1.0] * len(children), dtype=torch.float64)
        choice = torch.multinomial(w, batch, replacement=True, generator=g)
        return [and_mask(c, mask & (choice == k)) for k, c in enumerate(children)]


class SomeOf(Node):
    """Each sample gets ``n`` distinct children, applied in list order."""

    kind = "some_of"

    def __init__(self, children, n: int = 1, p: float = 1.0):
        super().__init__(children, p)
        check_number(n, f"{self.kind}: n", low=0, high=len(self.children), integer=True)
        self.n = n

    def config(self):
        return dict(super().config(), n=self.n)

    def restrict(self, g, batch, mask, children):
        keys = torch.rand(batch, len(children), generator=g)
        chosen = keys.argsort(1).argsort(1) < self.n  # the n smallest keys per sample
        return [and_mask(c, mask & chosen[:, k]) for k, c in enumerate(children)]


class RandomApply(Sequential):
    """Apply the children (in order) to each sample with probability ``p``."""

    kind = "random_apply"

    def __init__(self, children, p: float = 0.5):
        super().__init__(children, p)
