"""What the contract tests sweep: for every registered modality, a fixture that makes
batches and compares them, and the ops of that modality. A new modality adds its fixture
here (a test fails until it does); a new op is swept the day it registers."""

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from augmentlab.ops import REGISTRY
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.text.base import as_text_batch

IMAGE_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "image" and not is_batch_op(c))
# model-based text ops need a model to run; tests/ops/test_text_models.py builds tiny ones
TEXT_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "text" and c.family != "model")
BATCH_OPS = sorted(n for n, c in REGISTRY.items() if is_batch_op(c))
PRESETS = ("rand-n2-m0.5", "trivial", "autoaugment-cifar10", "autoaugment-svhn", "augmix-m0.3-w2-d2")


def _images(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (6, 3, 24, 20), generator=g, dtype=torch.uint8)


_WORDS = "the movie was a wonderful surprise full of heart and good humour slow boring plot with terrible acting".split()


def _sentences(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return as_text_batch([" ".join(rng.choice(_WORDS, size=rng.integers(1, 14))) for _ in range(5)] + [""])


@dataclass(frozen=True)
class ModalityFixture:
    """How the contract makes and compares batches of one modality."""

    batch: Callable[[int], object]  # seed -> a batch with a few samples
    equal: Callable[[object, object], bool]
    ops: list[str]  # the ops that run without extra set-up (models, labels)


FIXTURES = {
    "image": ModalityFixture(_images, lambda a, b: a.dtype == b.dtype and torch.equal(a, b), IMAGE_OPS),
    "text": ModalityFixture(_sentences, lambda a, b: a.dtype == b.dtype and list(a) == list(b), TEXT_OPS),
}
CASES = [(kind, name) for kind, fixture in FIXTURES.items() for name in fixture.ops]
