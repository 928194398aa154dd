"""Preset policies: RandAugment, TrivialAugment (wide), AutoAugment (the published CIFAR-10
and SVHN policies) and AugMix.

The published policies speak in their own units (rotate 30 degrees, shear 0.3, ...).
``ra_m`` converts a fraction of those maxima into each op's universal ``m`` through the
range the op declares, so one table serves RandAugment's ``m`` and AutoAugment's
magnitude levels (level / 9).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.image import from_float, to_float
from augmentlab.ops.kernels.chunks import in_chunks
from augmentlab.ops.registry import REGISTRY, create_op
from augmentlab.policy.compose import Node, OneOf, Sequential, SomeOf, and_mask
from augmentlab.rng import seeds_from
from augmentlab.values import check_number, check_probability, or_list


def _shear_angle(factor: float) -> float:  # the published shear factors as the angle our shear ops declare
    return math.degrees(math.atan(factor))


# RandAugment's published maxima (torchvision, at full magnitude) in their own units, and how
# each converts to the unit its op declares (ops/magnitude.py). A fraction f of the maximum
# becomes m through the op's declared range, so this table and the ops cannot drift apart.
# Ops absent here take no magnitude.
RA_PUBLISHED = {
    "rotate": (30.0, None),  # degrees
    "shear_x": (0.3, _shear_angle), "shear_y": (0.3, _shear_angle),  # shear factor
    "translate_x": (150.0 / 331.0, None), "translate_y": (150.0 / 331.0, None),  # 150 px of a 331 px image
    "brightness": (0.9, None), "contrast": (0.9, None), "saturation": (0.9, None), "sharpness": (0.9, None),  # factor - 1
    "posterize": (4.0, None),  # bits removed (8 down to 4 kept)
    "solarize": (1.0, None),  # share of the range inverted (threshold 256 down to 0)
}


def ra_m(name: str, fraction: float) -> float:
    """Our ``m`` for ``fraction`` of RandAugment's published maximum of ``name``."""
    if name not in RA_PUBLISHED:
        return 0.0
    maximum, convert = RA_PUBLISHED[name]
    value = fraction * maximum
    return REGISTRY[name].magnitude.m_for(convert(value) if convert else value)


RA_OPS = ("identity", "autocontrast", "equalize", "rotate", "solarize", "saturation", "posterize", "contrast",
          "brightness", "sharpness", "shear_x", "shear_y", "translate_x", "translate_y")


def no_magnitude(policy) -> AugmentlabError:
    return AugmentlabError(f"policy {policy.kind!r} has no magnitude to sweep; use an op, a container of ops, rand-... or augmix")


class Preset:
    """Mixin: a preset prints and serialises as its compact name."""

    def to_dict(self) -> dict:
        return {"preset": self.to_spec()}


def ra_op(name: str, fraction: float, p: float = 1.0, mode: str = "fixed"):
    m = ra_m(name, fraction)
    return create_op(name, m=min(1.0, round(m, 6)), p=p, mode=mode)


@dataclass(frozen=True)
class RandSet:
    """The ops RandAugment and TrivialAugment draw from for one kind of data: ``m_of(op,
    fraction)`` is our ``m`` for a fraction of the op's published maximum, and ``trivial``
    the ``m`` each op is drawn up to by TrivialAugment."""

    ops: tuple[str, ...]
    m_of: Callable[[str, float], float]
    trivial: dict[str, float]


RAND_SETS: dict[str, RandSet] = {}


def register_rand_set(modality: str, rand_set: RandSet) -> None:
    """Give ``modality`` its RandAugment and TrivialAugment (once per modality)."""
    if modality in RAND_SETS:
        raise ValueError(f"a RandAugment set for {modality!r} is already registered")
    RAND_SETS[modality] = rand_set


def rand_set(modality: str, preset: str) -> RandSet:
    from augmentlab.modality.registry import ops_modality

    modality = ops_modality(modality)  # annotated images take the image set
    if modality not in RAND_SETS:
        able = or_list(RAND_SETS)
        raise AugmentlabError(f"{preset} is defined for {able} data, not {modality}; compose ops instead (`augmentlab ops`)")
    return RAND_SETS[modality]


class RandAugment(Preset, SomeOf):
    """``n`` ops per sample from the RandAugment set of the data's modality, each at strength
    ``m`` (a fraction of the published maxima, so m=0.9 is torchvision's magnitude 9 on
    images) with a random sign."""

    kind = "rand"

    def __init__(self, n: int = 2, m: float = 0.9, modality: str = "image"):
        table = rand_set(modality, "rand")
        check_number(n, "rand: n", low=0, high=len(table.ops), integer=True)
        check_probability(m, "rand: m")
        super().__init__([_fixed_op(name, table.m_of(name, m), modality=modality) for name in table.ops], n=n)
        self.m = float(m)
        self.modality = modality

    def config(self):
        return {"n": self.n, "m": self.m, "modality": self.modality}

    def to_spec(self, inside_sequence: bool = False) -> str:
        return f"rand-n{self.n}-m{self.m!r}"

    def with_magnitude(self, m: float) -> RandAugment:
        return RandAugment(self.n, m, self.modality)

    def magnitude_matters(self) -> bool:
        return True


def _fixed_op(name: str, m: float, p: float = 1.0, mode: str = "fixed", modality: str = "image"):
    return create_op(name, modality, m=min(1.0, round(m, 6)), p=p, mode=mode)


# TrivialAugment's wide maxima, in the units the ops declare; beyond what m = 1 gives they
# are capped there (rotate 135 degrees; translate 32 px, the whole of a 32 px CIFAR image).
TA_WIDE_PUBLISHED = {
    "identity": None, "autocontrast": None, "equalize": None, "rotate": 135.0, "solarize": 1.0, "saturation": 0.99,
    "posterize": 6.0, "contrast": 0.99, "brightness": 0.99, "sharpness": 0.99,  # posterize: down to 2 bits
    "shear_x": _shear_angle(0.99), "shear_y": _shear_angle(0.99), "translate_x": 1.0, "translate_y": 1.0,
}
TA_WIDE = {n: 0.0 if v is None else REGISTRY[n].magnitude.m_for(v) for n, v in TA_WIDE_PUBLISHED.items()}  # as our m
register_rand_set("image", RandSet(RA_OPS, ra_m, TA_WIDE))


class TrivialAugment(Preset, OneOf):
    """One op per sample, its strength drawn uniformly up to the wide maxima of the data's
    modality."""

    kind = "trivial"

    def __init__(self, modality: str = "image"):
        table = rand_set(modality, "trivial")
        super().__init__([create_op(n, modality, m=min(1.0, round(m, 6))) for n, m in table.trivial.items()])
        self.modality = modality

    def config(self):
        return {"modality": self.modality}

    def to_spec(self, inside_sequence: bool = False) -> str:
        return "trivial"

    def with_magnitude(self, m: float):
        raise no_magnitude(self)


# (op, probability, level 0..9 or None), from Cubuk et al. 2019.
AUTOAUGMENT = {
    "cifar10": [
        (("invert", 0.1, None), ("contrast", 0.2, 6)), (("rotate", 0.7, 2), ("translate_x", 0.3, 9)),
        (("sharpness", 0.8, 1), ("sharpness", 0.9, 3)), (("shear_y", 0.5, 8), ("translate_y", 0.7, 9)),
        (("autocontrast", 0.5, None), ("equalize", 0.9, None)), (("shear_y", 0.2, 7), ("posterize", 0.3, 7)),
        (("saturation", 0.4, 3), ("brightness", 0.6, 7)), (("sharpness", 0.3, 9), ("brightness", 0.7, 9)),
        (("equalize", 0.6, None), ("equalize", 0.5, None)), (("contrast", 0.6, 7), ("sharpness", 0.6, 5)),
        (("saturation", 0.7, 7), ("translate_x", 0.5, 8)), (("equalize", 0.3, None), ("autocontrast", 0.4, None)),
        (("translate_y", 0.4, 3), ("sharpness", 0.2, 6)), (("brightness", 0.9, 6), ("saturation", 0.2, 8)),
        (("solarize", 0.5, 2), ("invert", 0.0, None)), (("equalize", 0.2, None), ("autocontrast", 0.6, None)),
        (("equalize", 0.2, None), ("equalize", 0.6, None)), (("saturation", 0.9, 9), ("equalize", 0.6, None)),
        (("autocontrast", 0.8, None), ("solarize", 0.2, 8)), (("brightness", 0.1, 3), ("saturation", 0.7, 0)),
        (("solarize", 0.4, 5), ("autocontrast", 0.9, None)), (("translate_y", 0.9, 9), ("translate_y", 0.7, 9)),
        (("autocontrast", 0.9, None), ("solarize", 0.2, 3)), (("equalize", 0.8, None), ("invert", 0.1, None)),
        (("translate_y", 0.7, 9), ("autocontrast", 0.9, None)),
    ],
    "svhn": [
        (("shear_x", 0.9, 4), ("invert", 0.2, None)), (("shear_y", 0.9, 8), ("invert", 0.7, None)),
        (("equalize", 0.6, None), ("solarize", 0.6, 6)), (("invert", 0.9, None), ("equalize", 0.6, None)),
        (("equalize", 0.6, None), ("rotate", 0.9, 3)), (("shear_x", 0.9, 4), ("autocontrast", 0.8, None)),
        (("shear_y", 0.9, 8), ("invert", 0.4, None)), (("shear_y", 0.9, 5), ("solarize", 0.2, 6)),
        (("invert", 0.9, None), ("autocontrast", 0.8, None)), (("equalize", 0.6, None), ("rotate", 0.9, 3)),
        (("shear_x", 0.9, 4), ("solarize", 0.3, 3)), (("shear_y", 0.8, 8), ("invert", 0.7, None)),
        (("equalize", 0.9, None), ("translate_y", 0.6, 6)), (("invert", 0.9, None), ("equalize", 0.6, None)),
        (("contrast", 0.3, 3), ("rotate", 0.8, 4)), (("invert", 0.8, None), ("translate_y", 0.0, 2)),
        (("shear_y", 0.7, 6), ("solarize", 0.4, 8)), (("invert", 0.6, None), ("rotate", 0.8, 4)),
        (("shear_y", 0.3, 7), ("translate_x", 0.9, 3)), (("shear_x", 0.1, 6), ("invert", 0.6, None)),
        (("solarize", 0.7, 2), ("translate_y", 0.6, 7)), (("shear_y", 0.8, 4), ("invert", 0.8, None)),
        (("shear_x", 0.7, 9), ("translate_y", 0.8, 3)), (("shear_y", 0.8, 5), ("autocontrast", 0.7, None)),
        (("shear_x", 0.7, 2), ("invert", 0.1, None)),
    ],
}


class AutoAugment(Preset, OneOf):
    kind = "autoaugment"

    def __init__(self, dataset: str = "cifar10"):
        if dataset not in AUTOAUGMENT:
            raise AugmentlabError(f"autoaugment: unknown policy {dataset!r}; expected one of {', '.join(AUTOAUGMENT)}")
        subs = [Sequential([ra_op(n, (lvl or 0) / 9.0, p=p) for n, p, lvl in pair]) for pair in AUTOAUGMENT[dataset]]
        super().__init__(subs)
        self.dataset = dataset

    def config(self):
        return {"dataset": self.dataset}

    def to_spec(self, inside_sequence: bool = False) -> str:
        return f"autoaugment-{self.dataset}"

    def with_magnitude(self, m: float):
        raise no_magnitude(self)


AUGMIX_MAX = 16  # chains and their depth: the paper uses 3 and 1..3; more only costs time
AUGMIX_OPS = ("autocontrast", "equalize", "posterize", "rotate", "solarize", "shear_x", "shear_y", "translate_x", "translate_y")


class AugMix(Preset, Node):
    """AugMix (Hendrycks et al. 2020): ``width`` chains of 1..``depth`` random ops, mixed
    with Dirichlet weights, then blended with the original by a Beta(1, 1) weight.
    ``m`` is the severity, as a fraction of the RandAugment maxima."""

    kind = "augmix"

    def __init__(self, m: float = 0.3, width: int = 3, depth: int = 3):
        check_probability(m, "augmix: m")
        check_number(width, "augmix: w", low=1, high=AUGMIX_MAX, integer=True)
        check_number(depth, "augmix: d", low=1, high=AUGMIX_MAX, integer=True)
        step = lambda: OneOf([ra_op(n, m, mode="uniform") for n in AUGMIX_OPS])  # noqa: E731
        super().__init__([Sequential([step() for _ in range(depth)]) for _ in range(width)])
        self.m, self.width, self.depth = float(m), int(width), int(depth)

    def config(self):
        return {"m": self.m, "width": self.width, "depth": self.depth}

    def to_spec(self, inside_sequence: bool = False) -> str:
        return f"augmix-m{self.m!r}-w{self.width}-d{self.depth}"

    def with_magnitude(self, m: float) -> AugMix:
        return AugMix(m, self.width, self.depth)

    def magnitude_matters(self) -> bool:
        return True

    def restrict(self, g, batch, mask, children):
        depth = torch.randint(1, self.depth + 1, (batch, self.width), generator=g)
        out = []
        for i, chain in enumerate(children):
            steps = [and_mask(s, mask & (j < depth[:, i])) for j, s in enumerate(chain["children"])]
            out.append(dict(and_mask(chain, mask), children=steps))
        return out

    def sample(self, g, batch, shape):
        params = super().sample(g, batch, shape)
        rng = np.random.default_rng(int(seeds_from(g, 1)[0]))
        params["weights"] = torch.from_numpy(rng.dirichlet([1.0] * self.width, size=batch))
        params["mix"] = torch.from_numpy(rng.beta(1.0, 1.0, size=batch))
        return params

    def apply(self, x, params):
        chains = [chain.apply(x, cp) for chain, cp in zip(self.children, params["children"])]
        parts = {"apply": params["apply"], "weights": params["weights"], "mix": params["mix"], "chains": chains}
        # the float mixing in cache-sized slices of the batch, where its passes stay in cache
        return in_chunks(self._mix, x, parts)

    @staticmethod
    def _mix(x, parts):
        mask = parts["apply"].to(x.device)
        w = parts["weights"].float().to(x.device)
        chains = parts["chains"]
        mixed = sum(w[:, i].view(-1, 1, 1, 1) * to_float(c) for i, c in enumerate(chains))
        mw = parts["mix"].float().to(x.device).view(-1, 1, 1, 1)
        out = from_float((1 - mw) * to_float(x) + mw * mixed, x)
        return torch.where(mask.view(-1, 1, 1, 1), out, x)
