"""How good synthetic rows are, next to what real rows the generator never saw score on
the same measure (so every number has a reference):

- fidelity per column: Kolmogorov-Smirnov statistic for numeric columns, total variation
  distance of the category shares (missing counted as a category) for the others;
- pairwise correlation difference: the mean absolute difference between the correlation
  matrices of real and generated rows (numeric columns standardised, categories one-hot,
  pairs of different columns only);
- detection: ROC AUC of a gradient-boosted classifier telling real training rows from
  generated ones, 5-fold cross-validated (0.5: indistinguishable);
- memorisation: each generated row's distance to its closest training row (DCR), against
  the holdout rows' DCR; exact copies and rows closer than the holdout's 5th percentile;
- TSTR: a model trained on generated rows, tested on the holdout, next to the same model
  trained on the real training rows (TRTR).
"""

from __future__ import annotations

import numpy as np

from augmentlab.data.table_batch import TableBatch


def _onehot_matrix(rows: TableBatch, reference: TableBatch) -> tuple[np.ndarray, np.ndarray]:
    """Rows as numbers for distances and correlations: numeric columns standardised by the
    reference's mean and spread (missing: the mean, plus an indicator), coded columns one-hot
    (missing: its own slot). Also each matrix column's source column."""
    parts, source = [], []
    mean = np.nanmean(reference.numeric, 0) if reference.numeric.shape[1] else np.zeros(0)
    scale = np.nanstd(reference.numeric, 0) if reference.numeric.shape[1] else np.zeros(0)
    for j in range(rows.numeric.shape[1]):
        v = rows.numeric[:, j]
        parts.append(np.where(np.isnan(v), 0.0, (v - mean[j]) / (scale[j] or 1.0))[:, None])
        source.append(j)
        if np.isnan(reference.numeric[:, j]).any():  # the reference decides the layout, so matrices compare
            parts.append(np.isnan(v)[:, None].astype(float))
            source.append(j)
    F = rows.numeric.shape[1]
    for j, column in enumerate(rows.schema.coded_columns):
        size = len(column.categories)
        parts.append(np.eye(size + 1)[np.where(rows.codes[:, j] >= 0, rows.codes[:, j], size)])
        source += [F + j] * (size + 1)
    return np.hstack(parts) if parts else np.zeros((len(rows), 0)), np.array(source)


def column_fidelity(real: TableBatch, fake: TableBatch) -> dict[str, dict]:
    from scipy.stats import ks_2samp

    out = {}
    for j, column in enumerate(real.schema.numeric_columns):
        a, b = real.numeric[:, j], fake.numeric[:, j]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        out[column.name] = {"kind": "numeric", "ks": float(ks_2samp(a, b, method="asymp").statistic) if len(a) and len(b) else 1.0}
    for j, column in enumerate(real.schema.coded_columns):
        size = len(column.categories) + 1
        share = lambda c: np.bincount(np.where(c >= 0, c, size - 1), minlength=size) / max(len(c), 1)  # noqa: E731
        out[column.name] = {"kind": column.kind, "tv": float(0.5 * np.abs(share(real.codes[:, j]) - share(fake.codes[:, j])).sum())}
    return out


def correlation_difference(real: TableBatch, fake: TableBatch) -> float:
    a, source = _onehot_matrix(real, real)
    b, _ = _onehot_matrix(fake, real)
    with np.errstate(invalid="ignore", divide="ignore"):
        ca, cb = np.nan_to_num(np.corrcoef(a, rowvar=False)), np.nan_to_num(np.corrcoef(b, rowvar=False))
    between = source[:, None] != source[None, :]
    return float(np.abs(ca - cb)[between].mean()) if between.any() else 0.0


def detection_auc(real: TableBatch, fake: TableBatch, seed: int) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_score

    from augmentlab.train.table_models import features

    n = min(len(real), len(fake))
    rng = np.random.default_rng(seed)
    a, b = real[rng.choice(len(real), n, replace=False)], fake[rng.choice(len(fake), n, replace=False)]
    x = np.vstack([features(a.numeric, a.codes), features(b.numeric, b.codes)])
    y = np.r_[np.zeros(n), np.ones(n)]
    mask = np.r_[np.zeros(a.numeric.shape[1], bool), np.ones(a.codes.shape[1], bool)]
    judge = HistGradientBoostingClassifier(categorical_features=mask if mask.any() else None, random_state=seed % 2**32)
    return float(cross_val_score(judge, x, y, cv=5, scoring="roc_auc").mean())


def closest_distances(rows: TableBatch, train: TableBatch) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    a, _ = _onehot_matrix(train, train)
    b, _ = _onehot_matrix(rows, train)
    return NearestNeighbors(n_neighbors=1).fit(a).kneighbors(b)[0][:, 0]


def memorisation(train: TableBatch, holdout: TableBatch, fake: TableBatch) -> dict:
    d_fake, d_hold = closest_distances(fake, train), closest_distances(holdout, train)
    p5 = float(np.percentile(d_hold, 5))
    return {"dcr_median": float(np.median(d_fake)), "holdout_dcr_median": float(np.median(d_hold)),
            "exact_copies": int((d_fake < 1e-9).sum()), "holdout_exact_copies": int((d_hold < 1e-9).sum()),
            "closer_than_holdout_p5": float((d_fake < p5).mean()), "holdout_p5": p5}


def tstr(train: TableBatch, holdout: TableBatch, fake: TableBatch, metric: str, model: str, seed: int) -> dict:
    """Train on synthetic, test on real (the holdout), next to train on real (TRTR); the
    threshold of decision metrics tuned on a third of the holdout, scored on the rest."""
    from augmentlab.train.table_run import fit_and_score

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(holdout))
    val, test = holdout[np.sort(order[: len(order) // 3])], holdout[np.sort(order[len(order) // 3 :])]
    K = int(max(train.labels.max(), holdout.labels.max(), fake.labels.max())) + 1
    synthetic = fit_and_score(fake, train, val, {"test": test}, model, metric, seed, K)["test"][metric]
    real = fit_and_score(train, train, val, {"test": test}, model, metric, seed, K)["test"][metric]
    return {"metric": metric, "model": model, "tstr": synthetic, "trtr": real, "ratio": synthetic / real if real else None}


def mean_fidelity(fidelity: dict[str, dict]) -> dict:
    """The mean KS over numeric columns and mean total variation over the others."""
    return {"mean_ks": float(np.mean([v["ks"] for v in fidelity.values() if "ks" in v] or [0.0])),
            "mean_tv": float(np.mean([v["tv"] for v in fidelity.values() if "tv" in v] or [0.0]))}


def evaluate_table_generator(generator, train: TableBatch, holdout: TableBatch, seed: int, metric: str,
                             model: str = "hgb") -> tuple[dict, TableBatch]:
    """Every figure above for rows drawn in the training rows' class proportions, as many as
    the training rows; ``(results, the generated rows)``."""
    from augmentlab.rng import child_seeds

    sample_seed, judge_seed = child_seeds(seed, 2)
    fake = generator.sample(train.labels, sample_seed)
    reference = holdout[: len(train)] if len(holdout) >= len(train) else holdout
    fidelity = column_fidelity(train, fake)
    holdout_fidelity = column_fidelity(train, reference)
    results = {
        "rows": {"train": len(train), "holdout": len(holdout), "generated": len(fake)},
        "fidelity": {"synthetic": mean_fidelity(fidelity), "holdout": mean_fidelity(holdout_fidelity),
            "columns": {name: {**v, "holdout": holdout_fidelity[name]} for name, v in fidelity.items()}},
        "correlation_difference": {"synthetic": correlation_difference(train, fake),
                                   "holdout": correlation_difference(train, reference)},
        "detection_auc": {"synthetic": detection_auc(train, fake, judge_seed),
                          "holdout": detection_auc(train, reference, judge_seed)},
        "memorisation": memorisation(train, holdout, fake),
        "tstr": tstr(train, holdout, fake, metric, model, seed),
    }
    return results, fake
