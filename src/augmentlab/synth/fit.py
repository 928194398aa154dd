"""Fitting a generator on a dataset, or on the lab's seeded N-per-class training split."""

from __future__ import annotations

import time

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.split import SplitPlan, check_split_room, make_splits
from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds
from augmentlab.synth.models import MODELS
from augmentlab.values import check_number

DEFAULT_STEPS = {"cvae": 3000, "cgan": 4000, "ddpm": 2500, "tvae": 2000}


def training_indices(ds: Dataset, per_class: int | None, split_seed: int) -> np.ndarray:
    """All of the data, or the training split the lab draws for ``split_seed`` (so a
    generator fitted here has seen exactly that run's training images)."""
    if per_class is None:
        return np.arange(len(ds))
    plan = SplitPlan(per_class=check_number(per_class, "per_class", low=1, integer=True))
    check_split_room(ds.labels, ds.num_classes, plan, external_test=False)
    return make_splits(ds.labels, plan, split_seed, external_test=False).train


def check_model_name(model: str) -> None:
    from augmentlab.synth.models import TABLE_MODELS

    if model not in MODELS and model not in TABLE_MODELS:
        raise AugmentlabError(f"model {model!r} is unknown; expected one of {', '.join([*MODELS, *TABLE_MODELS])}", field="model")


def fit_generator(ds: Dataset, model: str, steps: int | None, seed: int, per_class: int | None = None,
                  split_seed: int = 0, progress=None, device: str | torch.device = "cpu"):
    """``(generator, meta, train_indices)``: a fresh generator trained with ``seed`` on
    ``device``. Parameters are initialised on CPU, so a seed gives the same start everywhere."""
    if model not in MODELS:
        raise AugmentlabError(f"model {model!r} is not an image generator; expected one of {', '.join(MODELS)}", field="model")
    ds.kind.require("generators", "a generator")
    steps = DEFAULT_STEPS[model] if steps is None else check_number(steps, "steps", low=1, high=10_000_000, integer=True)
    idx = training_indices(ds, per_class, split_seed)
    init_seed, train_seed = child_seeds(seed, 2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)  # parameter initialisation draws from the global RNG
        generator = MODELS[model](tuple(ds.data.shape[1:]), ds.num_classes).to(device)
    start = time.perf_counter()
    history = generator.fit(ds.data[idx], ds.labels[idx], steps, train_seed, progress)
    meta = {"seed": seed, "steps": steps, "per_class": per_class, "split_seed": split_seed if per_class else None,
            "train_images": int(len(idx)), "class_names": list(ds.class_names), "fit_seconds": time.perf_counter() - start, "device": str(generator.device),
            "history": history}
    return generator, meta, torch.from_numpy(np.asarray(idx, dtype=np.int64))


def fit_table_generator(ds: Dataset, model: str, steps: int | None, seed: int, train_size: int | None = None,
                        split_seed: int = 0, progress=None, device: str | torch.device = "cpu"):
    """``(generator, meta, train_indices)`` for table rows: fitted on every row, or on the
    training rows the lab draws for ``split_seed`` with ``train_size`` (the class ratio
    kept), so that ``evaluate --synthetic`` can match it to that run and the rest of the
    table stays unseen for ``synth evaluate``."""
    from augmentlab.synth.models import TABLE_MODELS
    from augmentlab.synth.table_base import schema_to_dict

    if model not in TABLE_MODELS:
        raise AugmentlabError(f"model {model!r} is not a table generator; expected one of {', '.join(TABLE_MODELS)}", field="model")
    ds.kind.require("row_generators", f"model {model}")
    if steps is not None:
        check_number(steps, "steps", low=1, high=10_000_000, integer=True)
    if train_size is None:
        idx = np.arange(len(ds))
    else:
        plan = SplitPlan(per_class=check_number(train_size, "train_size", low=1, integer=True), split="ratio")
        check_split_room(ds.labels, ds.num_classes, plan, external_test=False)
        idx = make_splits(ds.labels, plan, split_seed, external_test=False).train
    rows = ds.data[idx]
    init_seed, train_seed = child_seeds(seed, 2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)  # parameter initialisation draws from the global RNG
        generator = TABLE_MODELS[model](tuple(rows.shape[1:]), ds.num_classes, schema_to_dict(rows.schema)).to(device)
    start = time.perf_counter()
    history = generator.fit(rows, steps, train_seed, progress)
    meta = {"seed": seed, "steps": steps, "train_size": train_size, "split_seed": split_seed if train_size else None,
            "train_rows": int(len(idx)), "class_names": list(ds.class_names), "fit_seconds": time.perf_counter() - start,
            "device": str(generator.device), "history": history}
    return generator, meta, torch.from_numpy(np.asarray(idx, dtype=np.int64))
