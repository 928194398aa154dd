"""The user's own training step and scoring function, for the lab's runs on data trained
batch by batch. ``Experiment`` (``augmentlab.experiment``) sets them for the runs it makes;
the trainer and the lab's run ask ``current_hooks()``. None of them: the lab's own
(cross-entropy with AdamW and a one-cycle schedule; accuracy)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingHooks:
    # (model, batch as the model takes it, target, optimizer) -> loss as a float; it runs the
    # forward and backward passes and steps the optimizer (the lab steps its schedule after)
    train_step: Callable | None = None
    # (model, inputs as the model takes them, labels) -> a score in [0, 1], higher better
    evaluate: Callable | None = None


_HOOKS: contextvars.ContextVar[TrainingHooks] = contextvars.ContextVar("augmentlab_training_hooks", default=TrainingHooks())


def current_hooks() -> TrainingHooks:
    return _HOOKS.get()


@contextlib.contextmanager
def using_hooks(hooks: TrainingHooks):
    """Runs made inside the block use ``hooks``."""
    token = _HOOKS.set(hooks)
    try:
        yield hooks
    finally:
        _HOOKS.reset(token)
