"""Adaptive strength: the policy's magnitude follows an overfitting signal during training.

Every ``interval`` steps the controller compares what the model does on the (augmented)
batches it trains on with what it does on held-out batches from the validation split, and
moves the magnitude by ``step_size`` towards the target, as StyleGAN2-ADA adjusts its
augmentation probability:

- ``gap``: training-batch accuracy minus held-out accuracy; above ``target`` (default 0)
  the model is memorising, so augmentation gets stronger.
- ``rt``: ADA's r_t on the classifier's margin, E[sign(logit of the label - the largest
  other logit)] over the training batches; above ``target`` (ADA's 0.6) augmentation gets
  stronger. It needs no held-out data.

The test set is never seen. The trajectory (step, magnitude, signal) is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.policy.magnitude import with_magnitude
from augmentlab.rng import torch_generator
from augmentlab.values import check_number

SIGNALS = {"gap": 0.0, "rt": 0.6}  # signal -> default target


@dataclass(frozen=True)
class AdaptiveConfig:
    signal: str = "gap"
    target: float | None = None  # None: the signal's default
    interval: int = 10  # steps between adjustments
    step_size: float = 0.02  # magnitude change per adjustment
    start: float = 0.0  # initial magnitude
    heldout_batch: int = 256

    def check(self) -> None:
        if self.signal not in SIGNALS:
            raise AugmentlabError(f"adaptive signal {self.signal!r} is unknown; expected one of {', '.join(SIGNALS)}")
        if self.target is not None:
            check_number(self.target, "adaptive_target", low=-1.0, high=1.0)  # both signals lie in [-1, 1]
        if self.interval < 1 or not 0 < self.step_size <= 1 or not 0 <= self.start <= 1:
            raise AugmentlabError("adaptive: interval must be >= 1, step size in (0, 1], start in [0, 1]")

    @property
    def goal(self) -> float:
        return SIGNALS[self.signal] if self.target is None else self.target


@dataclass(frozen=True)
class Adaptive:
    """A policy whose magnitude the trainer adapts (a marker for the protocol)."""

    policy: object
    config: AdaptiveConfig = AdaptiveConfig()


def _margin_sign(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    own = logits.gather(1, y.view(-1, 1)).squeeze(1)
    other = logits.scatter(1, y.view(-1, 1), float("-inf")).amax(1)
    return torch.sign(own - other)


class StrengthController:
    """Owns the current policy; the trainer asks it for the policy each step and tells it
    what the model predicted on the training batch."""

    def __init__(self, adaptive: Adaptive, heldout: tuple[torch.Tensor, torch.Tensor], seed: int, model_input):
        adaptive.config.check()
        self.base, self.config = adaptive.policy, adaptive.config
        self.m = adaptive.config.start
        self.policy = with_magnitude(self.base, self.m)
        self.heldout = heldout
        self.model_input = model_input  # model_input(model, x): the batch as the model takes it
        self.g = torch_generator(seed)
        self.correct = self.margins = self.seen = 0
        self.trajectory: list[dict] = [{"step": 0, "magnitude": self.m, "signal": None}]

    def after_step(self, step: int, model: torch.nn.Module, logits: torch.Tensor, y: torch.Tensor) -> None:
        with torch.no_grad():
            signs = _margin_sign(logits.detach(), y)
            self.correct += int((signs > 0).sum())
            self.margins += float(signs.sum())
            self.seen += len(y)
        if step % self.config.interval:
            return
        if self.config.signal == "gap":
            signal = self.correct / self.seen - self._heldout_accuracy(model)
        else:
            signal = self.margins / self.seen
        self.m = min(1.0, max(0.0, self.m + (self.config.step_size if signal > self.config.goal else -self.config.step_size)))
        self.m = round(self.m, 6)
        self.policy = with_magnitude(self.base, self.m)
        self.trajectory.append({"step": step, "magnitude": self.m, "signal": signal})
        self.correct = self.margins = self.seen = 0

    @torch.no_grad()
    def _heldout_accuracy(self, model: torch.nn.Module) -> float:
        x, y = self.heldout
        idx = torch.randperm(len(x), generator=self.g)[: self.config.heldout_batch].to(x.device)
        was_training = model.training
        model.eval()
        device = next((p.device for p in model.parameters()), x.device)  # held-out rows go where the model is
        acc = float((model(self.model_input(model, x[idx].to(device))).argmax(1) == y[idx].to(device)).float().mean())
        model.train(was_training)
        return acc
