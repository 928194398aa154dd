"""One training run on a table under the lab's protocol.

The policy makes rows once per seed, as text's copies are made: oversamplers in it add
rows of the rarer classes to the training rows, then its row ops (and table MixUp) make
``copies`` augmented versions of all of them (1 unless the protocol says otherwise). The
model is fitted once on the training rows plus those. What the ops draw from (column
spreads, values, category shares) is fitted on the training rows alone.

Every model weights classes by their inverse frequency in what it is fitted on, and on two
classes the decision threshold is tuned on validation for the metric (ranking metrics need
none), so an augmented arm has to beat a tuned model, not a naive one.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from augmentlab.data.table_batch import TableBatch
from augmentlab.errors import AugmentlabError
from augmentlab.policy.training import TrainingPolicy
from augmentlab.rng import child_seeds, torch_generator
from augmentlab.train.table_metrics import TABLE_METRICS, positive_class, score, tune_threshold
from augmentlab.train.table_models import features, fit_table_model


def policy_parts(policy) -> tuple[object | None, list, list]:
    """``(row policy or None, oversamplers, other batch ops)`` of a table policy."""
    if policy is None:
        return None, [], []
    if isinstance(policy, TrainingPolicy):
        if policy.features is not None:
            raise AugmentlabError("feature ops do not apply to tables", field="policy")
        grow = [op for op in policy.batch_ops if getattr(op, "adds_rows", False)]
        return policy.image, grow, [op for op in policy.batch_ops if not getattr(op, "adds_rows", False)]
    return policy, [], []


def augmented_rows(x: TableBatch, policy, copies: int, seed: int) -> tuple[TableBatch, dict]:
    """The training rows ``x`` plus what ``policy`` adds: oversampled rows, then ``copies``
    augmented versions of all rows (none when the policy has no row op or MixUp). Copy k
    draws from child stream k + 1 of ``seed``; the oversamplers from stream 0."""
    x = x.fitted()  # the ops draw from the training rows' own columns
    rows, grow, mixers = policy_parts(policy)
    if rows is not None and rows.to_spec() == "none":  # no augmentation adds no copies (the baseline's rows)
        rows = None
    streams = child_seeds(seed, copies + 1)
    g = torch_generator(streams[0])
    labels = torch.from_numpy(x.labels)
    before = len(x)
    for op in grow:
        x, labels = op.apply_batch(x, labels, 0, g)
    stats = {"rows": before, "oversampled": len(x) - before, "copies": 0}
    if rows is None and not mixers:
        return x, stats
    made = []
    for k in range(copies):
        g = torch_generator(streams[k + 1])
        copy = rows(x, g) if rows is not None else x
        for op in mixers:
            copy, _ = op.apply_batch(copy, torch.from_numpy(copy.labels), 0, g)
        made.append(copy)
    stats["copies"] = copies
    return TableBatch.concat([x, *made]), stats


def expand_table_for_protocol(x: TableBatch, policy, protocol, seed: int) -> tuple[TableBatch, dict]:
    """:func:`augmented_rows` with the protocol's copies from the table stream of run ``seed``."""
    # child stream 6 augments (streams 0-5 belong to the trainer and the other arms)
    return augmented_rows(x, policy, protocol.copies or 1, child_seeds(seed, 7)[6])


def fit_and_score(fit: TableBatch, train: TableBatch, val: TableBatch, tests: dict[str, TableBatch], model: str, metric: str,
                  seed: int, num_classes: int) -> dict:
    """Fit ``model`` on ``fit``; tune the threshold on ``val``; score every batch."""
    if len(np.unique(fit.labels)) < 2:
        raise AugmentlabError("the training rows hold one class; a classifier needs two", field="train_size")
    estimator = fit_table_model(model, fit, seed)
    positive = positive_class(train.labels, num_classes)

    def proba(batch: TableBatch) -> np.ndarray:
        p = np.zeros((len(batch), num_classes))
        p[:, estimator.classes_] = estimator.predict_proba(features(batch.numeric, batch.codes))
        return p

    val_p = proba(val)
    threshold = tune_threshold(metric, val.labels, val_p, positive)
    out = {"threshold": threshold, "positive_class": positive}
    for name, batch in {"train": train, "val": val, **tests}.items():
        p = val_p if name == "val" else proba(batch)
        out[name] = {m: score(m, batch.labels, p, threshold=threshold, positive=positive) for m in TABLE_METRICS
                     if m not in ("pr_auc", "roc_auc") or len(np.unique(batch.labels)) > 1}
    return out


def run_table_once(ds, splits, policy, protocol, seed: int, test) -> dict:
    from augmentlab.train.protocol import metric_of

    metric = metric_of(ds, protocol)
    name = protocol.model or ds.kind.model_for(ds.data)
    start = time.perf_counter()
    x = ds.data[splits.train]
    fit, extra = x, {}
    if hasattr(policy, "synthetic"):  # real plus generated rows (synth/fusion.py: Fused); child stream 5 draws them
        fake, _ = policy.synthetic(splits.train, torch.from_numpy(x.labels), seed, child_seeds(seed, 6)[5], protocol.per_stratum)
        fit = TableBatch.concat([x, fake])
        extra["synthetic_rows"] = len(fake)
        policy = policy.policy
    if policy is not None:
        fit, extra["table_augmentation"] = expand_table_for_protocol(fit, policy, protocol, seed)
    test_rows = test.data if test is not None else ds.data[splits.test]
    scores = fit_and_score(fit, x, ds.data[splits.val], {"test": test_rows}, name, metric, seed, ds.num_classes)
    return {
        "seed": seed,
        "model": name,
        "train_accuracy": scores["train"][metric],
        "val_accuracy": scores["val"][metric],
        "test_accuracy": scores["test"][metric],
        "test_metrics": scores["test"],
        "threshold": scores["threshold"],
        "train_rows": int(len(fit)),
        "seconds": time.perf_counter() - start,
        "history": [],
        **extra,
    }


def run_table_trial(data, policy, plan, report) -> float:
    """A search trial on a table: augment the search split once, fit, score validation."""
    from augmentlab.modality import get_modality
    from augmentlab.train.protocol import Protocol

    protocol = data.protocol or Protocol(per_class=None)
    fit = data.x
    if policy is not None:
        fit, _ = expand_table_for_protocol(data.x, policy, protocol, data.seed)
    metric = protocol.metric or get_modality(data.modality).metric(data.x)
    scores = fit_and_score(fit, data.x, data.val_x, {}, data.model, metric, data.seed, data.num_classes)
    report(plan.reports, scores["val"][metric])
    return scores["val"][metric]
