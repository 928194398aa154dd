"""Containers: Sequential, OneOf, SomeOf(n), RandomApply(p).

Every node draws parameters for the whole batch up front (so the number of draws never
depends on the data), and records per-sample ``apply`` masks instead of branching. A
container's parameters are ``{"apply": mask, "children": [child params, ...]}``.

Sequential hands its children to the fuser their modality registers (``ops/fusion.py``): for
images, runs of geometric ops become one warp (one resampling, not one per op) and runs of
point ops one lookup table.
"""

from __future__ import annotations

import inspect
import math
from functools import cached_property
from typing import Any

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.fusion import fuser_for
from augmentlab.ops.kernels.rows import put_rows, take_rows
from augmentlab.ops.printing import spec_value
from augmentlab.rng import bernoulli_mask
from augmentlab.values import check_number, check_probability

Tree = dict[str, Any]


def _check_p(p: float, where: str) -> float:
    return check_probability(p, f"{where}: p")


def and_mask(params: Tree, mask: torch.Tensor) -> Tree:
    """Restrict a node's parameters to the samples in ``mask``, down to every op inside it:
    containers apply their children by the children's masks, so a container's own mask
    has to reach them (a sequence inside ``one_of`` once ran on every sample)."""
    out = dict(params, apply=params["apply"] & mask)
    if "children" in params:
        out["children"] = [and_mask(c, mask) for c in params["children"]]
    return out


def select_tree(tree, idx: torch.Tensor):
    """The parameters of samples ``idx`` of a batch: every tensor in a tree has a leading
    batch axis (``indexed.concat_trees`` joins them along it); other values are shared."""
    if isinstance(tree, torch.Tensor):
        return tree[idx.to(tree.device)]
    if isinstance(tree, dict):
        return {k: select_tree(v, idx) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(select_tree(v, idx) for v in tree)
    return tree


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

    @cached_property
    def _fuser(self):
        """Chosen once: the children never change, and apply runs on every batch."""
        return fuser_for(self.ops())

    def to_spec(self, inside_sequence: bool = False) -> str:
        if type(self) is Sequential and self.p == 1.0 and len(self.children) > 1 and not inside_sequence:
            return "+".join(c.to_spec(inside_sequence=True) for c in self.children)
        return super().to_spec()

    def apply(self, x, params):
        # the ops' own fuser joins runs of fusable ops (one warp, one lookup table for images)
        pairs = list(zip(self.children, params["children"]))
        fuser = self._fuser
        if fuser is None:
            for child, cp in pairs:
                x = child.apply(x, cp)
            return x
        return fuser(x, pairs)


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

    def apply(self, x, params):
        if not isinstance(x, torch.Tensor):
            return super().apply(x, params)
        # The children's samples are disjoint: each child runs on its own samples only, and
        # the batch is copied once, not once per child (AugMix: 9 copies a step).
        picked, results = [], []
        for child, cp in zip(self.children, params["children"]):
            idx = cp["apply"].nonzero().squeeze(1)
            if len(idx):
                picked.append(idx)
                results.append(child.apply(take_rows(x, idx), select_tree(cp, idx)))
        if not picked:
            return x
        return put_rows(x, torch.cat(picked), torch.cat([r.to(x.dtype) for r in results]))


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
