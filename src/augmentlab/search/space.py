"""Search spaces: what an automatic policy search may choose from.

Two kinds, both able to choose no augmentation at all:

- ``ops``: a probability p and a magnitude m for each op of a chosen subset; the policy
  applies each op with its own p, in the listed order. p = 0 (or m = 0 for an op that m
  switches off) drops the op; every op dropped is "none".
- ``rand``: RandAugment style: n distinct ops per image (n = 0 is "none") at one shared
  magnitude m, from an op set, picked among several named sets when more than one is given.

Specs: ``ops``, ``ops(affine,elastic,cutout)``, ``rand``, ``rand(rotate,shear_x,translate_x)``,
or a YAML/JSON file::

    kind: ops
    ops:
      affine: {p: [0, 1], m: [0, 0.5]}
      hflip: {p: [0, 0.5]}        # ops that take no magnitude have only p

    kind: rand
    n: [0, 3]
    m: [0, 1]
    op_sets: {geometric: [rotate, shear_x], colour: [brightness, contrast]}

A space proposes parameters through an Optuna trial (``suggest``) and turns parameters into
a policy (``build``); ``build`` alone rebuilds the policy of any stored trial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from augmentlab.data_files import is_data_file, read_data_file
from augmentlab.errors import AugmentlabError
from augmentlab.modality import get_modality
from augmentlab.ops.registry import op_class
from augmentlab.policy.compose import Sequential, SomeOf
from augmentlab.policy.spec import format_policy, image_op

P_STEP = 0.1  # probabilities on a 0.1 grid: 0 and 1 are reachable, and specs stay readable
M_STEP = 0.05

# One representative per family, in the order a pipeline applies them.
DEFAULT_OPS = ("hflip", "affine", "elastic", "brightness", "contrast", "cutout")
_GEOMETRIC = ("identity", "rotate", "shear_x", "shear_y", "translate_x", "translate_y", "scale")
_PHOTOMETRIC = ("identity", "brightness", "contrast", "sharpness", "posterize", "solarize", "autocontrast", "equalize")
DEFAULT_OP_SETS = {"all": _GEOMETRIC + _PHOTOMETRIC[1:], "geometric": _GEOMETRIC, "photometric": _PHOTOMETRIC}


def takes_magnitude(name: str, modality: str = "image") -> bool:
    return op_class(name, modality).magnitude is not None


def _range(value, what: str, low: float = 0.0, high: float = 1.0, integer: bool = False) -> tuple:
    """A [low, high] pair from a YAML/JSON value (a pair, or one number for a fixed value)."""
    pair = value if isinstance(value, (list, tuple)) else [value, value]
    kind = int if integer else (int, float)
    if len(pair) != 2 or not all(isinstance(v, kind) and not isinstance(v, bool) for v in pair):
        raise AugmentlabError(f"search space: {what} must be a number or a [low, high] pair; got {value!r}")
    lo, hi = pair
    if not low <= lo <= hi <= high:
        raise AugmentlabError(f"search space: {what} = {value!r} must satisfy {low} <= low <= high <= {high}")
    return (lo, hi) if integer else (float(lo), float(hi))


def _check_op(name: str, where: str, modality: str) -> str:
    if not isinstance(name, str):
        raise AugmentlabError(f"search space: {where}: {name!r} is not an op name")
    image_op(name, {}, modality)  # unknown ops and batch-level ops (mixup, cutmix) fail here, clearly
    return name


@dataclass(frozen=True)
class OpChoice:
    name: str
    p: tuple[float, float] = (0.0, 1.0)
    m: tuple[float, float] | None = (0.0, 1.0)  # None: the op takes no magnitude


@dataclass(frozen=True)
class OpsSpace:
    ops: tuple[OpChoice, ...]
    modality: str = "image"  # the data whose ops the names mean
    kind = "ops"

    def __post_init__(self):
        if not self.ops:
            raise AugmentlabError("search space is empty: give at least one op")
        names = [o.name for o in self.ops]
        if len(set(names)) != len(names):
            raise AugmentlabError(f"search space lists an op twice: {', '.join(names)}")

    def suggest(self, trial) -> dict:
        params = {}
        for o in self.ops:
            params[f"{o.name}.p"] = trial.suggest_float(f"{o.name}.p", *o.p, step=P_STEP)
            if o.m is not None:
                params[f"{o.name}.m"] = trial.suggest_float(f"{o.name}.m", *o.m, step=M_STEP)
        return params

    def build(self, params: dict):
        chosen = []
        for o in self.ops:
            p = round(params[f"{o.name}.p"], 6)
            m = round(params[f"{o.name}.m"], 6) if o.m is not None else None
            if p <= 0 or (m is not None and m <= 0 and op_class(o.name, self.modality).identity_at_zero):
                continue
            chosen.append(image_op(o.name, {"p": p} if m is None else {"p": p, "m": m}, self.modality))
        if not chosen:
            return None
        return chosen[0] if len(chosen) == 1 else Sequential(chosen)

    def warm_starts(self) -> list[dict]:
        """Trials every search starts with: no augmentation, then light augmentation
        (every op with a magnitude at p = 0.5, m = 0.1; ops without one left out)."""
        none = {f"{o.name}.{k}": r[0] for o in self.ops for k, r in (("p", o.p), ("m", o.m)) if r is not None}
        light = {}
        for o in self.ops:
            light[f"{o.name}.p"] = min(max(0.5, o.p[0]), o.p[1]) if o.m is not None else o.p[0]
            if o.m is not None:
                light[f"{o.name}.m"] = min(max(0.1, o.m[0]), o.m[1])
        return [none, light]

    def to_dict(self) -> dict:
        return {"kind": "ops", "ops": {o.name: {"p": list(o.p), **({"m": list(o.m)} if o.m else {})} for o in self.ops}}


@dataclass(frozen=True)
class RandSpace:
    op_sets: tuple[tuple[str, tuple[str, ...]], ...]
    n: tuple[int, int] = (0, 3)
    m: tuple[float, float] = (0.0, 1.0)
    modality: str = "image"  # the data whose ops the names mean
    kind = "rand"

    def __post_init__(self):
        if not self.op_sets or any(not ops for _, ops in self.op_sets):
            raise AugmentlabError("search space is empty: a rand space needs at least one op in every op set")

    def suggest(self, trial) -> dict:
        params = {"n": trial.suggest_int("n", *self.n), "m": trial.suggest_float("m", *self.m, step=M_STEP)}
        if len(self.op_sets) > 1:
            params["op_set"] = trial.suggest_categorical("op_set", [name for name, _ in self.op_sets])
        return params

    def build(self, params: dict):
        ops = dict(self.op_sets)[params.get("op_set", self.op_sets[0][0])]
        n = min(int(params["n"]), len(ops))
        if n == 0:
            return None
        m = round(params["m"], 6)
        kind = self.modality
        return SomeOf([image_op(name, {"m": m, "mode": "fixed"} if takes_magnitude(name, kind) else {}, kind) for name in ops], n=n)

    def warm_starts(self) -> list[dict]:
        """Light augmentation (one op at m = 0.1), then RandAugment's usual two ops at a
        moderate magnitude (m = 0.3): a short search that starts
        there spends its trials around a strong policy instead of finding that region
        first. No augmentation is not among them: a search always retrains it as a free
        baseline. Each point is clipped into the space."""
        first = self.op_sets[0][0]
        extra = {"op_set": first} if len(self.op_sets) > 1 else {}

        def point(n: int, m: float) -> dict:
            return {"n": min(max(n, self.n[0]), self.n[1]), "m": min(max(m, self.m[0]), self.m[1]), **extra}

        starts = [point(1, 0.1), point(2, 0.3)]
        return [p for i, p in enumerate(starts) if p not in starts[:i]]

    def to_dict(self) -> dict:
        return {"kind": "rand", "n": list(self.n), "m": list(self.m), "op_sets": {k: list(v) for k, v in self.op_sets}}


def spec_of(policy) -> str:
    """The ``--policy`` string of a built policy ("none" for no augmentation)."""
    return "none" if policy is None else format_policy(policy)


# -- parsing ------------------------------------------------------------------------------------
def ops_space(names, modality: str = "image") -> OpsSpace:
    names = [_check_op(n, "ops", modality) for n in names]
    return OpsSpace(tuple(OpChoice(n, m=(0.0, 1.0) if takes_magnitude(n, modality) else None) for n in names), modality)


def space_from_dict(d: dict, modality: str = "image"):
    if not isinstance(d, dict):
        raise AugmentlabError(f"search space: expected a mapping with 'kind'; got {type(d).__name__}")
    kind = d.get("kind", "ops")
    unknown = set(d) - {"kind", "ops", "n", "m", "op_sets"}
    if unknown:
        raise AugmentlabError(f"search space: unknown field {sorted(unknown)[0]!r}; expected kind, ops, n, m, op_sets")
    if kind == "ops":
        ops = d.get("ops", list(DEFAULT_OPS))
        if isinstance(ops, list):
            return ops_space(ops, modality)
        if not isinstance(ops, dict):
            raise AugmentlabError("search space: 'ops' must be a list of op names or a mapping of op -> {p, m}")
        choices = []
        for name, ranges in ops.items():
            _check_op(name, "ops", modality)
            ranges = ranges or {}
            if not isinstance(ranges, dict) or set(ranges) - {"p", "m"}:
                raise AugmentlabError(f"search space: ops.{name} must be a mapping with p and/or m")
            p = _range(ranges.get("p", [0, 1]), f"ops.{name}.p")
            m = _range(ranges.get("m", [0, 1]), f"ops.{name}.m") if takes_magnitude(name, modality) else None
            if "m" in ranges and m is None:
                raise AugmentlabError(f"search space: ops.{name}.m: {name} takes no magnitude")
            choices.append(OpChoice(name, p, m))
        return OpsSpace(tuple(choices), modality)
    if kind == "rand":
        sets = d.get("op_sets", DEFAULT_OP_SETS)
        if isinstance(sets, list):
            sets = {"ops": sets}
        if not isinstance(sets, dict):
            raise AugmentlabError("search space: 'op_sets' must be a mapping of name -> list of ops")
        op_sets = tuple((str(k), tuple(_check_op(n, f"op_sets.{k}", modality) for n in (v or []))) for k, v in sets.items())
        return RandSpace(op_sets, _range(d.get("n", [0, 3]), "n", 0, 16, integer=True), _range(d.get("m", [0, 1]), "m"), modality)
    raise AugmentlabError(f"search space: kind {kind!r} is unknown; expected ops or rand")


_COMPACT = re.compile(r"^\s*(?P<kind>ops|rand)\s*(?:\((?P<args>[^()]*)\))?\s*$")


def parse_space(spec: str | None, modality: str = "image"):
    """A space from a compact spec, a YAML/JSON file, or None for the modality's default
    (``Modality.default_space``: ``rand`` for images, EDA's edits for text). Its three dimensions suit a budget of a few dozen trials; on MNIST
    (10 per class) its winner beat RandAugment where the 11-dimensional ``ops`` space with
    the same budget did not get past its first rung."""
    kind = get_modality(modality)
    if spec is None or spec.strip() == "":
        if kind.default_space is None:
            raise AugmentlabError(f"there is no default search space for {modality} data; pass --space")
        space = space_from_dict(kind.default_space, modality)
    else:
        space = _parse_given_space(spec, modality)
    kind.refuse_foreign([(n, op_class(n, modality).modality) for n in _op_names(space)], where="search space: op")
    return space


def _op_names(space) -> list[str]:
    if isinstance(space, OpsSpace):
        return [o.name for o in space.ops]
    return [n for _, ops in space.op_sets for n in ops]


def _parse_given_space(spec: str, modality: str):
    m = _COMPACT.match(spec)
    if m:
        args = m.group("args")
        names = None if args is None else [a.strip() for a in args.split(",") if a.strip()]
        if names is not None and not names:
            raise AugmentlabError(f"search space {spec!r} is empty: list at least one op")
        if m.group("kind") == "ops":
            return ops_space(DEFAULT_OPS if names is None else names, modality)
        return space_from_dict({"kind": "rand", **({} if names is None else {"op_sets": {"ops": names}})}, modality)
    if is_data_file(spec):
        return space_from_dict(read_data_file(spec, "--space"), modality)
    raise AugmentlabError(f"space {spec!r}: expected ops, ops(op,...), rand, rand(op,...) or a .yaml/.json file", field="space")
