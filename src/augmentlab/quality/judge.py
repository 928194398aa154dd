"""A classifier trained on real data that judges synthetic samples: its penultimate layer
is the feature space for the distance metrics (no downloaded Inception weights), and its
predictions give conditional accuracy."""

from __future__ import annotations

import torch
from torch import nn

from augmentlab.modality import get_modality
from augmentlab.train.models import build_model
from augmentlab.train.trainer import TrainConfig, accuracy, normalise, train


class Judge:
    def __init__(self, x: torch.Tensor, y: torch.Tensor, num_classes: int, steps: int = 1500, seed: int = 0):
        shape = tuple(x.shape[1:])
        name = get_modality("image").default_model(shape)  # the judge sees images
        # float32 on every CPU: a measuring instrument whose scores gates compare across machines
        self.model = train(lambda: build_model(name, shape, num_classes), x, y, None,
                           TrainConfig(steps=steps, batch_size=128, precision="fp32"), seed).model.eval()
        self.head = [m for m in self.model.modules() if isinstance(m, nn.Linear)][-1]

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """The input of the final linear layer, for every sample."""
        captured = []
        hook = self.head.register_forward_hook(lambda module, inputs, output: captured.append(inputs[0].detach()))
        try:
            for i in range(0, len(x), batch_size):
                self.model(normalise(x[i : i + batch_size]))
        finally:
            hook.remove()
        return torch.cat(captured)

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> float:
        return accuracy(self.model, x, y)

    @torch.no_grad()
    def per_class_accuracy(self, x: torch.Tensor, y: torch.Tensor, num_classes: int) -> list[float | None]:
        pred = torch.cat([self.model(normalise(x[i : i + 1024])).argmax(1) for i in range(0, len(x), 1024)])
        return [float((pred[y == c] == c).float().mean()) if bool((y == c).any()) else None for c in range(num_classes)]


def train_on_synthetic_test_on_real(fake_x, fake_y, real_x, real_y, num_classes: int, steps: int = 1500, seed: int = 0) -> float:
    """TSTR: a fresh classifier trained only on synthetic samples, scored on real ones."""
    return Judge(fake_x, fake_y, num_classes, steps, seed).accuracy(real_x, real_y)
