"""The op base class: sampling is separate from applying.

``sample(generator, batch, shape)`` draws per-sample parameters (plain tensors with a
leading batch dimension, plus an ``apply`` mask); ``apply(x, params)`` is deterministic.
Any draw can therefore be logged and replayed exactly.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import ClassVar

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.kernels.rows import put_rows, take_rows
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.printing import format_op
from augmentlab.rng import bernoulli_mask
from augmentlab.values import check_probability

Params = dict[str, torch.Tensor]


class Op(ABC):
    """A batched augmentation with magnitude ``m`` in [0, 1] and probability ``p``.

    Subclasses set ``name``, ``family``, ``controls`` (what ``m`` means) and implement
    ``sample_params`` and ``kernel``. ``kernel`` is pure: it never changes its input.
    """

    name: ClassVar[str] = ""
    # the kind of data it works on; a tuple for ops that several kinds share (MixUp)
    modality: ClassVar[str | tuple[str, ...]] = "image"
    # "input": applied to the samples; "features": to what the model computes from them
    # (SpecAugment on log-mel features), so only a trainer can apply it
    stage: ClassVar[str] = "input"
    family: ClassVar[str] = ""
    controls: ClassVar[str] = ""
    # What m sets, as data (ops/magnitude.py); None for ops whose m changes nothing (flips,
    # equalize). Every registered op declares it.
    magnitude: ClassVar[Magnitude | None]
    # derived: False when m changes nothing, so a strength sweep refuses the op
    uses_magnitude: ClassVar[bool] = True
    # True when m = 0 leaves every input unchanged (checked by the contract tests).
    identity_at_zero: ClassVar[bool] = True
    # "uniform": strength drawn per sample up to the range m sets; "fixed": exactly m with a
    # random sign (RandAugment/AutoAugment semantics).
    MODES: ClassVar[tuple[str, ...]] = ("uniform", "fixed")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "magnitude" in cls.__dict__:
            cls.uses_magnitude = cls.magnitude is not None

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform"):
        check_probability(m, f"{self.name}: m")
        check_probability(p, f"{self.name}: p")
        if not isinstance(mode, str) or mode not in self.MODES:
            raise AugmentlabError(f"{self.name}: mode={mode!r} is unknown; expected one of {', '.join(self.MODES)}")
        self.m = float(m)
        self.p = float(p)
        self.mode = mode

    # -- configuration ---------------------------------------------------------------
    def config(self) -> dict:
        """Every constructor argument by name (the data a policy is made of)."""
        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self"}

    def non_default_config(self) -> dict:
        sig = inspect.signature(type(self).__init__)
        return {k: v for k, v in self.config().items() if sig.parameters[k].default != v}

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.config().items()))))

    def __repr__(self) -> str:
        return format_op(self)

    # -- the policy-node interface (containers have the same methods) ---------------------
    def to_spec(self, inside_sequence: bool = False) -> str:
        """The compact string form, as ``parse_policy`` reads it."""
        return format_op(self)

    def to_dict(self) -> dict:
        """The dict (YAML/JSON) form."""
        return {"op": self.name, **self.non_default_config()}

    def with_magnitude(self, m: float) -> Op:
        """A copy with magnitude ``m``."""
        return type(self)(**{**self.config(), "m": m})

    def ops(self) -> list[Op]:
        return [self]

    def magnitude_matters(self) -> bool:
        """Whether setting ``m`` changes what this op does."""
        return type(self).uses_magnitude

    # -- sampling and applying ------------------------------------------------------------
    def sample(self, generator: torch.Generator, batch: int, shape: tuple[int, ...]) -> Params:
        """Per-sample parameters for a batch of ``batch`` images of ``shape`` (C, H, W)."""
        params = self.sample_params(generator, batch, shape)
        params["apply"] = bernoulli_mask(generator, batch, self.p)
        return params

    @abstractmethod
    def sample_params(self, generator: torch.Generator, batch: int, shape: tuple[int, ...]) -> Params:
        """Per-sample parameters (tensors with a leading batch dimension), without ``apply``."""

    @abstractmethod
    def kernel(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        """The pure transform of every sample of ``x`` by its parameters."""

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        """Apply with ``params``; samples whose ``apply`` flag is False pass through."""
        mask = params["apply"].to(x.device)
        if bool(mask.all()):
            return self.kernel(x, _without_mask(params))
        if not bool(mask.any()):
            return x
        idx = mask.nonzero().squeeze(1)
        moved = self.kernel(take_rows(x, idx), select(_without_mask(params), idx.cpu()))
        return put_rows(x, idx, moved)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.apply(x, self.sample(generator, x.shape[0], tuple(x.shape[1:])))

    # -- helpers for subclasses ------------------------------------------------------------
    def signed(self, g: torch.Generator, batch: int, limit: float) -> torch.Tensor:
        """Per-sample value in [-limit*m, limit*m] (uniform) or ±limit*m (fixed)."""
        amp = limit * self.m
        if self.mode == "fixed":
            return amp * (torch.randint(0, 2, (batch,), generator=g) * 2 - 1).double()
        return (torch.rand(batch, generator=g, dtype=torch.float64) * 2 - 1) * amp

    def unsigned(self, g: torch.Generator, batch: int, limit: float) -> torch.Tensor:
        """Per-sample value in [0, limit*m] (uniform) or exactly limit*m (fixed)."""
        amp = limit * self.m
        if self.mode == "fixed":
            torch.rand(batch, generator=g)  # keep the number of draws independent of mode
            return torch.full((batch,), amp, dtype=torch.float64)
        return torch.rand(batch, generator=g, dtype=torch.float64) * amp


def _without_mask(params: Params) -> Params:
    return {k: v for k, v in params.items() if k != "apply"}


def select(params: Params, idx: torch.Tensor) -> Params:
    """The parameters of the samples ``idx`` (every value has a leading batch dimension)."""
    return {k: v[idx] for k, v in params.items()}
