"""Batch-level ops: what a trainer applies to a whole labelled batch after the image
policy, because they need the labels (MixUp, CutMix) or the model being trained (FGSM,
PGD). They close a training policy (``affine(m=0.1)+mixup(m=0.2)``) and never run inside
an image policy."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import torch

from augmentlab.ops.base import Op


class BatchOp(Op):
    needs_labels: ClassVar[bool] = True
    # True for attacks: ``apply_batch`` needs the model (and how to call it)
    needs_model: ClassVar[bool] = False

    @abstractmethod
    def apply_batch(self, x: torch.Tensor, target: torch.Tensor, num_classes: int, generator: torch.Generator, *,
                    model: torch.nn.Module | None = None, forward=None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(batch, target)`` after this op; ``target`` holds integer or soft labels."""


def is_batch_op(node) -> bool:
    """Whether ``node`` (an op or an op class) is a batch-level op."""
    return isinstance(node, BatchOp) or (isinstance(node, type) and issubclass(node, BatchOp))


def per_sample(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values`` (one per sample) shaped to broadcast over ``like`` of any rank: (B,) ->
    (B, 1, ..., 1), so batch-level ops work on images, waveforms and series alike."""
    return values.view(-1, *([1] * (like.ndim - 1)))
