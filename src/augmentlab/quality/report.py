"""`synth evaluate`: every quality number for one checkpoint against its real data."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.quality.judge import Judge, train_on_synthetic_test_on_real
from augmentlab.quality.metrics import frechet_distance, memorisation, prdc


def check_samples_per_class(per_class: int) -> int:
    """Samples drawn per class: precision and recall look at 5 neighbours, so at least 6."""
    from augmentlab.values import check_number

    per_class = check_number(per_class, "per_class", high=100_000, integer=True)
    if per_class < 6:
        raise AugmentlabError(f"per_class must be at least 6 (precision and recall use 5 neighbours); got {per_class}", field="per_class")
    return per_class


def evaluate_generator(generator, train_idx: np.ndarray, ds: Dataset, per_class: int = 100, seed: int = 0,
                       judge_steps: int = 1500, memorisation_quantile: float = 0.01,
                       independent_judge: bool = True) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """Quality metrics of ``generator`` (fitted on ``ds[train_idx]``). Real held-out images
    are the rest of ``ds``. Returns the results and the samples drawn (images, labels).

    With ``independent_judge``, a second classifier, trained on every image the generator
    did not see, also judges the samples; it has never seen the generator's training
    images, so it cannot reward a generator for copying them, and its own accuracy on
    those images says how far to trust it."""
    if tuple(ds.data.shape[1:]) != generator.shape or ds.num_classes != generator.num_classes:
        raise AugmentlabError(f"the data's images are {tuple(ds.data.shape[1:])} with {ds.num_classes} classes; the checkpoint "
                              f"was fitted on {generator.shape} with {generator.num_classes}")
    if len(train_idx) and int(train_idx.max()) >= len(ds):
        raise AugmentlabError("the checkpoint's training indices do not fit this data; pass the data it was fitted on")
    mask = np.ones(len(ds), dtype=bool)
    mask[train_idx] = False
    rest = np.flatnonzero(mask)
    if len(rest) == 0:
        raise AugmentlabError("no real images are left outside the generator's training set to compare against")
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(rest, size=min(len(rest), per_class * ds.num_classes), replace=False))
    train_x, train_y = ds.data[train_idx], ds.labels[train_idx]
    real_x, real_y = ds.data[held], ds.labels[held]
    labels = torch.arange(ds.num_classes).repeat_interleave(per_class)
    fake = generator.sample(labels, seed)
    judge = Judge(train_x, train_y, ds.num_classes, judge_steps, seed)
    f_real, f_fake, f_train = judge.features(real_x), judge.features(fake), judge.features(train_x)
    results = {
        "samples": len(fake),
        "conditional_accuracy": judge.accuracy(fake, labels),
        "conditional_accuracy_per_class": judge.per_class_accuracy(fake, labels, ds.num_classes),
        "frechet_distance": frechet_distance(f_real, f_fake),
        "frechet_distance_real_train_vs_heldout": frechet_distance(f_real, f_train),
        **prdc(f_real, f_fake),
        "memorisation": memorisation(train_x.float() / 255, fake.float() / 255, memorisation_quantile),
        "tstr_accuracy": train_on_synthetic_test_on_real(fake, labels, real_x, real_y, ds.num_classes, judge_steps, seed),
        "trtr_accuracy": judge.accuracy(real_x, real_y),
        "independent_judge": _independent_judgement(ds, train_idx, rest, fake, labels, judge_steps, seed) if independent_judge else None,
        "feature_space": "penultimate layer of a classifier trained on the generator's real training images",
    }
    return results, fake, labels


def _independent_judgement(ds: Dataset, train_idx, rest, fake, labels, steps: int, seed: int) -> dict:
    judge = Judge(ds.data[rest], ds.labels[rest], ds.num_classes, steps, seed)
    return {
        "conditional_accuracy": judge.accuracy(fake, labels),
        "conditional_accuracy_per_class": judge.per_class_accuracy(fake, labels, ds.num_classes),
        "accuracy_on_generator_training_images": judge.accuracy(ds.data[train_idx], ds.labels[train_idx]),
        "train_images": int(len(rest)),
    }
