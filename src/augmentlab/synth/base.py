"""One interface for class-conditional generators: fit on labelled images, sample images for
chosen labels, save and load without executing code.

Images go in and come out as uint8 (N, C, H, W); inside, models see floats in [0, 1].
Every random draw comes from generators seeded by the caller; the global RNG is untouched.
Draws are made on CPU and moved to the model's device, so a seed picks the same noise on
every device (the floats that come out may still differ in the last bits across devices).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds

SAMPLE_CHUNK = 128  # samples per seeded stream


class ConditionalGenerator(ABC):
    name: ClassVar[str] = ""

    def __init__(self, shape: tuple[int, int, int], num_classes: int, **config):
        self.shape = tuple(int(s) for s in shape)
        self.num_classes = int(num_classes)
        self.settings = config
        self.device = torch.device("cpu")
        self.net = self.build()

    def to(self, device: str | torch.device) -> "ConditionalGenerator":
        """Train and sample on ``device`` from now on (the networks move there)."""
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def draw(self, shape, generator: torch.Generator) -> torch.Tensor:
        """Standard normal noise drawn on CPU with ``generator``, on the model's device."""
        return torch.randn(tuple(shape), generator=generator).to(self.device)

    @abstractmethod
    def build(self) -> torch.nn.Module:
        """The networks, freshly initialised (parameters from the global RNG, which the
        caller forks)."""

    @abstractmethod
    def fit(self, x: torch.Tensor, y: torch.Tensor, steps: int, seed: int, progress=None) -> list[dict]:
        """Train on uint8 images ``x`` with labels ``y``; return a loss history."""

    @abstractmethod
    def generate(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Float images in [0, 1] for ``labels``, drawn with ``generator``."""

    def config(self) -> dict:
        return {"model": self.name, "shape": list(self.shape), "num_classes": self.num_classes, **self.settings}

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, seed: int) -> torch.Tensor:
        """uint8 images (N, C, H, W), one per label; the same seed gives the same bytes.

        Samples are drawn in fixed chunks, each from its own seeded stream, and a short
        last chunk is padded before drawing; so the first k samples for some labels are
        the same however many more are asked for, and a sweep over synthetic ratios can
        reuse one draw."""
        labels = torch.as_tensor(labels, dtype=torch.int64)
        bad = labels[(labels < 0) | (labels >= self.num_classes)]
        if len(bad):
            raise AugmentlabError(f"label {int(bad[0])} is outside the trained classes 0..{self.num_classes - 1}")
        self.net.eval()
        chunks = -(-len(labels) // SAMPLE_CHUNK)
        out = []
        for i, chunk_seed in enumerate(child_seeds(seed, chunks)):
            chunk = labels[i * SAMPLE_CHUNK : (i + 1) * SAMPLE_CHUNK]
            padded = torch.cat([chunk, chunk.new_zeros(SAMPLE_CHUNK - len(chunk))])
            drawn = self.generate(padded.to(self.device), torch.Generator().manual_seed(chunk_seed))
            out.append(drawn[: len(chunk)].float().cpu())
        images = torch.cat(out) if out else torch.zeros((0, *self.shape))
        return (images.clamp(0, 1) * 255).round().to(torch.uint8)
