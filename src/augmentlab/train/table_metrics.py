"""What the lab scores a table model by, and the decision threshold tuned on validation.

For imbalanced targets accuracy says little: PR-AUC (average precision of the rare class)
and ROC-AUC judge the scores, balanced accuracy and accuracy the decisions. Decisions on a
binary target use a threshold tuned on validation for the metric, so a resampled training
set must beat a model whose threshold was already chosen well, not a naive one at 0.5.
"""

from __future__ import annotations

import numpy as np

from augmentlab.errors import AugmentlabError

TABLE_METRICS = ("pr_auc", "roc_auc", "balanced_accuracy", "accuracy")
RANKING = ("pr_auc", "roc_auc")  # judged on scores: no threshold


def check_metric(metric: str) -> str:
    if metric not in TABLE_METRICS:
        raise AugmentlabError(f"metric {metric!r} is unknown; expected one of {', '.join(TABLE_METRICS)}", field="metric")
    return metric


def positive_class(labels: np.ndarray, num_classes: int) -> int:
    """The rare class of a binary target (the lower index on a tie): what PR-AUC is about."""
    counts = np.bincount(labels, minlength=num_classes)
    return int(np.argmin(counts[:2])) if num_classes == 2 else -1


def decisions(proba: np.ndarray, threshold: float | None, positive: int) -> np.ndarray:
    """Class indices from probabilities (N, K): the positive class where its probability
    reaches ``threshold`` (binary), else the most probable class."""
    if threshold is None or proba.shape[1] != 2:
        return proba.argmax(axis=1)
    return np.where(proba[:, positive] >= threshold, positive, 1 - positive)


def score(metric: str, labels: np.ndarray, proba: np.ndarray, *, threshold: float | None = None, positive: int = 1) -> float:
    """``metric`` of probabilities ``proba`` (N, K) against ``labels`` (N,); multiclass
    PR-AUC and ROC-AUC are one-vs-rest macro averages."""
    from sklearn import metrics as m

    check_metric(metric)
    K = proba.shape[1]
    if metric in RANKING:
        if len(np.unique(labels)) < 2:
            raise AugmentlabError(f"{metric} needs both classes among the scored rows; a split holds one only", field="metric")
        if K == 2:
            truth = labels == positive
            return float(m.average_precision_score(truth, proba[:, positive]) if metric == "pr_auc" else m.roc_auc_score(truth, proba[:, positive]))
        onehot = np.eye(K)[labels]
        present = onehot.sum(0) > 0
        if metric == "pr_auc":
            return float(np.mean([m.average_precision_score(onehot[:, k], proba[:, k]) for k in np.flatnonzero(present)]))
        return float(m.roc_auc_score(labels, proba, multi_class="ovr", labels=np.arange(K)))
    predicted = decisions(proba, threshold, positive)
    if metric == "accuracy":
        return float(np.mean(predicted == labels))
    return float(m.balanced_accuracy_score(labels, predicted))


def tune_threshold(metric: str, labels: np.ndarray, proba: np.ndarray, positive: int) -> float | None:
    """The positive-class probability threshold that maximises ``metric`` on these
    (validation) rows; None where no threshold applies (ranking metrics, multiclass). Ties
    go to the threshold nearest 0.5."""
    if metric in RANKING or proba.shape[1] != 2:
        return None
    candidates = np.unique(np.concatenate([proba[:, positive], [0.5]]))
    values = [score(metric, labels, proba, threshold=t, positive=positive) for t in candidates]
    best = max(values)
    return float(min((t for t, v in zip(candidates, values) if v == best), key=lambda t: abs(t - 0.5)))
