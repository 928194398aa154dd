"""Adversarial augmentation: FGSM and PGD perturbations of the batch being trained on.

They need the model and the labels, so the trainer applies them to whole batches after the
image policy (like MixUp and CutMix); they cannot run inside an image policy. Epsilon is an
L-infinity radius in [0, 1] pixel units: eps = 0.3 * m, so m = 0.1 is about CIFAR's 8/255
and m = 1 is MNIST's customary 0.3. Perturbed batches are float images in [0, 1].
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import torch
import torch.nn.functional as F

from augmentlab.errors import AugmentlabError
from augmentlab.modality.image import to_float
from augmentlab.ops.batch import BatchOp, per_sample
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register

EPS_MAX = 0.3


def _loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy for integer labels or soft labels (after MixUp/CutMix)."""
    return F.cross_entropy(logits, target) if target.dtype == torch.int64 else F.cross_entropy(logits, target.float())


class AdversarialOp(BatchOp):
    family = "adversarial"
    needs_model = True
    MODES: ClassVar[tuple[str, ...]] = ("uniform",)

    @property
    def eps(self) -> float:
        return EPS_MAX * self.m

    def sample_params(self, g, batch, shape):
        return {}

    def kernel(self, x, params):
        raise AugmentlabError(f"{self.name} needs the model being trained; use it in a policy for evaluate, sweep or search")

    def apply_batch(self, x, target, num_classes, generator, *, model=None, forward=None):
        if model is None or forward is None:
            raise AugmentlabError(f"{self.name} needs the model being trained and how to call it")
        return self.perturb(model, x, target, generator, forward), target

    def perturb(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator,
                forward) -> torch.Tensor:
        """The adversarial batch (float in [0, 1]) for ``model`` (called as
        ``model(forward(x))``). Applied to each sample with probability p; the model is put
        in eval mode while the attack runs (so batch-norm statistics stay clean)."""
        apply = torch.rand(x.shape[0], generator=generator) < self.p if self.p < 1 else torch.ones(x.shape[0], dtype=torch.bool)
        x0 = to_float(x)
        if self.m == 0 or not bool(apply.any()):
            return x0
        was_training = model.training
        model.eval()
        try:
            with torch.enable_grad():
                adv = self.attack(model, x0, y, generator, forward)
        finally:
            model.train(was_training)
        return torch.where(per_sample(apply.to(x.device), x0), adv, x0)

    @abstractmethod
    def attack(self, model, x0, y, generator, forward) -> torch.Tensor:
        """The perturbed batch for every sample (``perturb`` applies p)."""


def _gradient_sign(model, x, y, forward) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(_loss(model(forward(x)), y), x)
    return grad.sign()


@register
class FGSM(AdversarialOp):
    name = "fgsm"
    magnitude = Magnitude("L-inf radius eps", 0.3, "of the value range", drawn=False)
    controls = ("L-inf radius eps = 0.3*m (one signed-gradient step; Goodfellow et al. 2015; random_start=true: "
                "a uniform start in the ball and a 1.25*eps step, Wong et al. 2020)")

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", random_start: bool = False):
        super().__init__(m, p, mode)
        if not isinstance(random_start, bool):
            raise AugmentlabError(f"fgsm: random_start={random_start!r} must be true or false")
        self.random_start = random_start

    def attack(self, model, x0, y, generator, forward):
        if not self.random_start:
            return (x0 + self.eps * _gradient_sign(model, x0, y, forward)).clamp(0, 1).detach()
        # Plain FGSM training can "leak" the label into the perturbation and lose clean
        # accuracy; a random start is the standard remedy (fast adversarial training).
        start = (torch.rand(x0.shape, generator=generator) * 2 - 1).to(x0.device) * self.eps
        x = (x0 + start).clamp(0, 1)
        x = x + 1.25 * self.eps * _gradient_sign(model, x, y, forward)
        return torch.min(torch.max(x, x0 - self.eps), x0 + self.eps).clamp(0, 1).detach()


@register
class PGD(AdversarialOp):
    name = "pgd"
    magnitude = Magnitude("L-inf radius eps", 0.3, "of the value range", drawn=False)
    controls = "L-inf radius eps = 0.3*m (random start, `steps` projected steps of 2.5*eps/steps; Madry et al. 2018)"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", steps: int = 7):
        super().__init__(m, p, mode)
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise AugmentlabError(f"pgd: steps={steps!r} must be a whole number of at least 1")
        self.steps = steps

    def attack(self, model, x0, y, generator, forward):
        eps, alpha = self.eps, 2.5 * self.eps / self.steps
        start = (torch.rand(x0.shape, generator=generator) * 2 - 1).to(x0.device) * eps
        x = (x0 + start).clamp(0, 1)
        for _ in range(self.steps):
            x = x + alpha * _gradient_sign(model, x, y, forward)
            x = torch.min(torch.max(x, x0 - eps), x0 + eps).clamp(0, 1).detach()
        return x
