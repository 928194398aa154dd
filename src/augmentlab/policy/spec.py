"""The policy spec language: compact strings and dicts (YAML/JSON) parse into the same
policy objects, and policies print back (parse -> format -> parse gives an equal policy).

Strings::

    hflip+affine(m=0.3)                      a sequence of ops
    rotate(m=0.2,p=0.5,mode=fixed)           op arguments by name
    one_of(hflip, vflip+rotate, weights=[2,1])
    some_of(hflip, rotate, cutout, n=2)      random_apply(rotate, p=0.5)
    rand-n2-m0.3  trivial  autoaugment-cifar10  autoaugment-svhn  augmix  augmix-m0.5-w3-d2
    none                                      no augmentation

Dicts: ``{"op": "rotate", "m": 0.3}``, ``{"sequential": [...], "p": 1}``,
``{"one_of": [...]}``, ``{"some_of": [...], "n": 2}``, ``{"random_apply": [...], "p": 0.5}``,
``{"preset": "rand-n2-m0.3"}``; a list is a sequence.
"""

from __future__ import annotations

import re
from typing import Any

from augmentlab.data_files import is_data_file, read_data_file
from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.registry import REGISTRY, create_op, op_class
from augmentlab.policy import series_presets  # noqa: F401  (registers the series RandAugment set)
from augmentlab.policy.audio_presets import SpecAugment
from augmentlab.policy.compose import OneOf, RandomApply, Sequential, SomeOf
from augmentlab.policy.presets import AugMix, AutoAugment, RandAugment, TrivialAugment
from augmentlab.policy.training import TrainingPolicy

CONTAINERS = {"sequential": Sequential, "one_of": OneOf, "some_of": SomeOf, "random_apply": RandomApply}
NO_AUGMENTATION = ("none", "identity")
# names also cover model names and paths (Helsinki-NLP/opus-mt-en-de, ./models/mlm);
# anything else (spaces, commas) goes in quotes
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_/~.][\w.\-/~]*)|(?P<num>-?\d+(?:\.\d*)?(?:[eE]-?\d+)?)"
                    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<sym>[()+,=\[\]]))")
MAX_DEPTH = 32  # containers inside containers; deeper is a mistake (or an attack on the parser)
SHOWN = 60  # characters of a long policy shown in an error, around the bad part


def shown(text: str, pos: int = 0) -> str:
    """``text`` quoted for an error message; a long one cut to the part around ``pos``."""
    if len(text) <= SHOWN:
        return repr(text)
    start = max(0, min(pos - SHOWN // 2, len(text) - SHOWN))
    return repr(("…" if start else "") + text[start : start + SHOWN] + ("…" if start + SHOWN < len(text) else ""))


# -- presets by name --------------------------------------------------------------------------
def _preset(name: str, modality: str = "image"):
    """The preset a compact name denotes, or None if it is not a preset name. ``rand`` and
    ``trivial`` draw from the ops of ``modality``."""
    if name == "trivial":
        return TrivialAugment(modality)
    if name.startswith("specaugment"):
        variant = name.split("-", 1)[1] if "-" in name else "lb"
        if variant not in SpecAugment.POLICIES:
            raise AugmentlabError(f"preset {name!r}: expected {' or '.join('specaugment-' + v for v in SpecAugment.POLICIES)}")
        return SpecAugment(variant)
    if name.startswith("autoaugment"):
        parts = name.split("-", 1)
        return AutoAugment(parts[1] if len(parts) == 2 else "cifar10")
    for prefix, cls, keys in (("rand", RandAugment, {"n": int, "m": float}), ("augmix", AugMix, {"m": float, "w": int, "d": int})):
        if name == prefix or name.startswith(prefix + "-"):
            kwargs = {}
            for part in name.split("-")[1:]:
                key, val = part[:1], part[1:]
                if key not in keys or not val:
                    raise AugmentlabError(f"preset {name!r}: bad part {part!r}; expected {', '.join(k + '<number>' for k in keys)}")
                try:
                    kwargs[{"w": "width", "d": "depth"}.get(key, key)] = keys[key](val)
                except ValueError:
                    raise AugmentlabError(f"preset {name!r}: {part!r} is not {key} followed by a number") from None
            return cls(**kwargs, modality=modality) if cls is RandAugment else cls(**kwargs)
    return None


def image_op(name: str, kwargs: dict, modality: str | None = None) -> Op:
    """The sample-level op ``name`` means on ``modality`` data (batch-level ops refused)."""
    op = create_op(name, modality, **kwargs)
    if is_batch_op(op):
        raise AugmentlabError(f"{name} needs labels and mixes whole batches; give it to the trainer, not an image policy")
    return op


# -- string parsing ----------------------------------------------------------------------------
def stage_of(node) -> str:
    """``"input"`` or ``"features"`` (ops on what the model computes, e.g. SpecAugment)."""
    stages = {op.stage for op in node.ops()}
    if len(stages) > 1:
        raise AugmentlabError(f"{node.to_spec()!r} mixes ops on the samples with ops on the model's features "
                              f"({', '.join(op.name for op in node.ops() if op.stage == 'features')}); "
                              "put the feature ops after the others in the top-level sequence")
    return stages.pop() if stages else "input"


def assemble(terms: list, where: str):
    """A top-level sequence of terms as a policy: the ops on samples first, then those on
    the model's features, then batch-level ops (mixup, pgd). A policy with only the first
    kind is a plain node; otherwise a ``TrainingPolicy``."""
    kinds = ["batch" if is_batch_op(t) else stage_of(t) for t in terms]
    order = {"input": 0, "features": 1, "batch": 2}
    for a, b in zip(kinds, kinds[1:]):
        if order[a] > order[b]:
            raise AugmentlabError(f"{where}: ops on the samples come first, then ops on the model's features "
                                  f"(specaugment, freq_mask, ...), then batch-level ops (mixup, pgd)")
    head = [t for t, k in zip(terms, kinds) if k == "input"]
    features = [t for t, k in zip(terms, kinds) if k == "features"]
    batch = [t for t, k in zip(terms, kinds) if k == "batch"]
    join = lambda parts: None if not parts else parts[0] if len(parts) == 1 else Sequential(parts)  # noqa: E731
    if not features and not batch:
        return join(head)
    return TrainingPolicy(join(head), batch, join(features))


class _Parser:
    def __init__(self, text: str, modality: str = "image"):
        self.text = text
        self.modality = modality
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m:
                raise self.error(f"unexpected character {text[pos:].strip()[0]!r}", pos)
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0
        self.depth = 0

    def error(self, what: str, pos: int | None = None) -> AugmentlabError:
        if pos is None:
            pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return AugmentlabError(f"policy {shown(self.text, pos)}: {what} at position {pos}")

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        if self.i >= len(self.tokens):
            return False
        k, v, _ = self.tokens[self.i]
        return (value is None or v == value) and (kind is None or k == kind)

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        if not self.peek(value, kind):
            want = repr(value) if value else (kind or "more input")
            got = repr(self.tokens[self.i][1]) if self.i < len(self.tokens) else "the end"
            raise self.error(f"expected {want}, found {got}")
        self.i += 1
        return self.tokens[self.i - 1][1]

    def policy(self, top: bool = False):
        start = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        terms = [self.term()]
        while self.peek("+"):
            self.take("+")
            terms.append(self.term())
        batch = [t for t in terms if is_batch_op(t)]
        if not batch:
            if top:
                return assemble(terms, f"policy {shown(self.text, start)}")
            return terms[0] if len(terms) == 1 else Sequential(terms)
        # batch-level ops (mixup, cutmix, fgsm, pgd) close the top-level sequence
        if not top:
            raise self.error(f"{batch[0].name} needs labels and whole batches; it can only close the top-level sequence", start)
        image = terms[: len(terms) - len(batch)]
        if any(is_batch_op(t) for t in image):
            raise self.error(f"batch-level ops ({', '.join(t.name for t in batch)}) must come after every image op", start)
        return assemble(terms, f"policy {shown(self.text, start)}")

    def term(self):
        start = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        name = self.take(kind="name")
        args, kwargs = self.arguments() if self.peek("(") else ([], {})
        try:
            return self.build(name, args, kwargs, start)
        except AugmentlabError as e:
            if str(e).startswith("policy "):
                raise
            raise AugmentlabError(f"policy {shown(self.text, start)}: {e} (in {name!r} at position {start})") from None

    def build(self, name, args, kwargs, start):
        if name in CONTAINERS:
            if not args:
                raise AugmentlabError(f"{name} needs at least one op")
            return CONTAINERS[name](args, **kwargs)
        if args:
            raise AugmentlabError(f"{name} takes only name=value arguments")
        if name in NO_AUGMENTATION and not kwargs:
            return create_op("identity")
        if name in REGISTRY:
            cls = op_class(name, self.modality)
            return create_op(name, self.modality, **kwargs) if is_batch_op(cls) else image_op(name, kwargs, self.modality)
        preset = _preset(name, self.modality)
        if preset is not None and not kwargs:
            return preset
        return create_op(name, self.modality, **kwargs)  # raises "unknown op" with suggestions

    def arguments(self):
        self.deeper()
        self.take("(")
        args, kwargs = [], {}
        while not self.peek(")"):
            if self.peek(kind="name") and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1] == "=":
                key = self.take()
                self.take("=")
                kwargs[key] = self.value()
            else:
                args.append(self.policy())
            if not self.peek(")"):
                self.take(",")
        self.take(")")
        self.depth -= 1
        return args, kwargs

    def value(self):
        if self.peek("["):
            self.deeper()
            self.take("[")
            items = []
            while not self.peek("]"):
                items.append(self.value())
                if not self.peek("]"):
                    self.take(",")
            self.take("]")
            self.depth -= 1
            return items
        if self.peek(kind="num"):
            text = self.take()
            return float(text) if any(c in text for c in ".eE") else int(text)
        if self.peek(kind="str"):
            return self.take()[1:-1]
        word = self.take(kind="name")
        return {"true": True, "false": False, "null": None, "none": None}.get(word.lower(), word)


def parse_policy(text: str, modality: str = "image"):
    """Parse a compact policy string into a policy (an op or a container); presets such as
    ``rand-n2-m0.5`` draw from the ops of ``modality``."""
    if not isinstance(text, str) or not text.strip():
        raise AugmentlabError("policy is empty; give an op name, a preset or a spec such as 'hflip+affine(m=0.3)'")
    p = _Parser(text, modality)
    node = p.policy(top=True)
    if p.i != len(p.tokens):
        raise p.error(f"unexpected {p.tokens[p.i][1]!r}")
    return node


# -- printing and dicts: each node answers for itself (Op/Node/TrainingPolicy.to_spec, to_dict)
def format_policy(node) -> str:
    """Print a policy in the compact string form."""
    return node.to_spec()


def policy_to_dict(node) -> Any:
    """A policy in its dict (YAML/JSON) form; ``policy_from_dict`` reads it back."""
    return node.to_dict()


def policy_from_dict(data: Any, where: str = "policy", depth: int = 0, modality: str = "image"):
    if depth > MAX_DEPTH:
        raise AugmentlabError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, str):
        return parse_policy(data, modality)
    if isinstance(data, list):
        batch = _closing_batch_ops(data, where, modality) if depth == 0 else []
        head = [policy_from_dict(d, f"{where}[{i}]", depth + 1, modality) for i, d in enumerate(data[: len(data) - len(batch)])]
        if depth > 0:
            return Sequential(head)
        if not head and not batch:
            raise AugmentlabError(f"{where}: an empty list is no policy; give at least one op")
        if not batch and all(stage_of(h) == "input" for h in head):
            return Sequential(head)
        return assemble(head + batch, where)
    if not isinstance(data, dict):
        raise AugmentlabError(f"{where}: expected a mapping, a list or a string; got {type(data).__name__}")
    data = dict(data)
    if "op" in data:
        name = data.pop("op")
        if not isinstance(name, str):
            raise AugmentlabError(f"{where}.op: expected an op name; got {name!r}")
        try:
            return image_op(name, data, modality)
        except AugmentlabError as e:
            raise AugmentlabError(f"{where}: {e}") from None
    if "preset" in data:
        if len(data) != 1:
            raise AugmentlabError(f"{where}: a preset takes no other keys; got {sorted(data)}")
        preset = _preset(str(data["preset"]), modality)
        if preset is None:
            raise AugmentlabError(f"{where}.preset: {data['preset']!r} is not a preset; expected rand-nN-mM, trivial, "
                                  "autoaugment-..., augmix-..., specaugment-lb or specaugment-ld")
        return preset
    kinds = [k for k in data if k in CONTAINERS]
    if len(kinds) != 1:
        raise AugmentlabError(f"{where}: expected exactly one of op, preset, {', '.join(CONTAINERS)}; got keys {sorted(data)}")
    kind = kinds[0]
    children = data.pop(kind)
    if not isinstance(children, list):
        children = [children]
    kids = [policy_from_dict(c, f"{where}.{kind}[{i}]", depth + 1, modality) for i, c in enumerate(children)]
    try:
        return CONTAINERS[kind](kids, **data)
    except TypeError as e:
        raise AugmentlabError(f"{where}.{kind}: {e}") from None


def _closing_batch_ops(items: list, where: str, modality: str) -> list:
    """The batch-level ops (mixup, pgd, ...) that close a top-level list, as they close a
    top-level sequence in a string."""
    def batch_name(item):
        name = item.get("op") if isinstance(item, dict) else None
        return name if isinstance(name, str) and name in REGISTRY and is_batch_op(op_class(name, modality)) else None

    count = 0
    while count < len(items) and batch_name(items[len(items) - 1 - count]):
        count += 1
    ops = []
    for i, item in enumerate(items[len(items) - count :], start=len(items) - count):
        kwargs = {k: v for k, v in item.items() if k != "op"}
        try:
            ops.append(create_op(item["op"], modality, **kwargs))
        except AugmentlabError as e:
            raise AugmentlabError(f"{where}[{i}]: {e}") from None
    return ops


def load_policy(spec: str, modality: str = "image"):
    """A policy from a compact string or from a ``.yaml``/``.yml``/``.json`` file, for data
    of ``modality`` (what ``rand-...`` and ``trivial`` draw from).

    Files are parsed as data only (``yaml.safe_load``); nothing is executed.
    """
    if is_data_file(spec):
        return policy_from_dict(read_data_file(spec, "policy file"), where=spec, modality=modality)
    return parse_policy(spec, modality)
