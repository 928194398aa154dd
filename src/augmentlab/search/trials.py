"""One search trial: a cheap, prunable training run judged on validation accuracy.

Every trial trains on the same search split (a seed of its own, not one of the seeds the
final comparison uses) for ``trial_steps`` steps, and reports validation accuracy every
``rung_steps`` steps, so successive halving can stop it early. Reports count in rung units
(1, 2, ...), the same for the local and the Ray backends.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from augmentlab.data.dataset import Dataset
from augmentlab.train.models import build_model
from augmentlab.train.protocol import Protocol, make_splits
from augmentlab.train.trainer import TrainConfig, train


@dataclass(frozen=True)
class TrialPlan:
    """How long trials run and where they may be stopped."""

    rung_steps: int  # steps between reports; the first rung
    reduction_factor: int = 3  # successive halving keeps the best 1/eta at each rung
    rungs: int = 1  # rungs before the end: a full trial is rung_steps * eta**rungs steps

    @property
    def cycle_ends(self) -> tuple[int, ...]:
        """Where the learning-rate schedule restarts: at every rung, so each rung's accuracy
        is that of an annealed model (see ``TrainConfig.cycle_ends``)."""
        return tuple(self.rung_steps * self.reduction_factor**k for k in range(self.rungs + 1))

    @property
    def reports(self) -> int:
        return self.reduction_factor**self.rungs

    @property
    def trial_steps(self) -> int:
        return self.rung_steps * self.reports

    @classmethod
    def for_protocol(cls, protocol: Protocol, trial_fraction: float = 0.5, reduction_factor: int = 3, rungs: int = 1):
        full = max(1, round(protocol.steps * trial_fraction))
        return cls(max(1, full // reduction_factor**rungs), reduction_factor, rungs)


@dataclass
class TrialData:
    """The search split's tensors: all a trial (or a remote worker) needs."""

    x: torch.Tensor
    y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    model: str
    shape: tuple[int, ...]
    num_classes: int
    batch_size: int
    seed: int
    training: str = "batches"  # the modality's training style (Modality.training)
    protocol: Protocol | None = None  # trials on copies take copies and the filter from it
    modality: str = "image"
    layout: object = None  # how the data was read (audio: its sample rate), for the modality's context

    @classmethod
    def from_dataset(cls, ds: Dataset, protocol: Protocol, seed: int, external_test: bool) -> TrialData:
        splits = make_splits(ds.labels, protocol, seed, external_test, groups=ds.groups)
        shape = ds.kind.sample_shape(ds.data)
        model = protocol.model or ds.kind.model_for(ds.data)
        take = lambda index: ds.kind.take(ds.data, torch.as_tensor(index))  # noqa: E731
        return cls(take(splits.train), ds.labels[splits.train], take(splits.val), ds.labels[splits.val],
                   model, shape, ds.num_classes, protocol.batch_size, seed, ds.kind.training, protocol, ds.modality, ds.layout)


def run_trial(data: TrialData, policy, plan: TrialPlan, report) -> float:
    """Train under ``policy``; call ``report(rung_index, val_accuracy)`` after every rung
    (it raises to stop the trial). Returns the final validation accuracy."""
    from augmentlab.modality import get_modality

    with get_modality(data.modality).context(data.layout):
        return TRIAL_RUNNERS[data.training](data, policy, plan, report)


def _run_batches_trial(data: TrialData, policy, plan: TrialPlan, report) -> float:
    """The policy on every training batch, reporting validation accuracy at every rung."""
    precision = data.protocol.precision if data.protocol is not None else "auto"
    config = TrainConfig(steps=plan.trial_steps, batch_size=data.batch_size, eval_every=plan.rung_steps,
                         cycle_ends=plan.cycle_ends, precision=precision)
    last = {}

    def on_eval(step: int, acc: float) -> None:
        last["acc"] = acc
        report(step // plan.rung_steps, acc)

    weights, device = (data.protocol.weights, data.protocol.device) if data.protocol is not None else (None, "cpu")
    train(lambda: build_model(data.model, data.shape, data.num_classes, weights), data.x, data.y, policy, config,
          data.seed, val=(data.val_x, data.val_y), on_eval=on_eval, device=device)
    return last["acc"]


def _run_copies_trial(data: TrialData, policy, plan: TrialPlan, report) -> float:
    """Trials on copies are one rung: augment the split once, fit, score on validation."""
    import numpy as np

    from augmentlab.train.text_models import build_text_model
    from augmentlab.train.text_run import expand_for_protocol

    x, y, groups = data.x, data.y.numpy(), np.arange(len(data.x))
    if policy is not None:
        x, y, groups, _ = expand_for_protocol(x, y, policy, data.protocol, data.seed)
    model = build_text_model(data.model, data.num_classes, plan.trial_steps, data.batch_size).fit(x, y, data.seed, groups)
    acc = model.accuracy(data.val_x, data.val_y.numpy())
    report(plan.reports, acc)
    return acc


def _run_targets_trial(data: TrialData, policy, plan: TrialPlan, report) -> float:
    """Annotated images: a segmenter or detector, its validation score after every rung."""
    from augmentlab.train.target_run import run_targets_trial

    return run_targets_trial(data, policy, plan, report)


def _run_rows_trial(data: TrialData, policy, plan: TrialPlan, report) -> float:
    """Tables: the split's rows plus the policy's, fitted once, scored on validation."""
    from augmentlab.train.table_run import run_table_trial

    return run_table_trial(data, policy, plan, report)


TRIAL_RUNNERS = {"batches": _run_batches_trial, "copies": _run_copies_trial, "targets": _run_targets_trial,
                 "rows": _run_rows_trial}  # by Modality.training
