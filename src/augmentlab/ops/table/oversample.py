"""Oversamplers: new rows of the rarer classes, made by imbalanced-learn (MIT, well kept;
not rewritten here). ``m`` is the share of each class's gap to the largest class that the
new rows fill: m = 0 adds nothing, m = 1 balances the classes.

Rows with a missing value keep their place in the training set but are left out of the
neighbour searches (SMOTE interpolates between complete rows only). Numeric columns are
interpolated; categorical and boolean columns (as codes) take a neighbour's value, never
a value outside their categories (SMOTENC; the others refuse tables with such columns).
"""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.batch import BatchOp
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from
from augmentlab.values import check_probability

OVERSAMPLERS = ("smote", "borderline_smote", "adasyn", "smotenc")
NEIGHBOURS = 5


def _imblearn():
    try:
        import imblearn.over_sampling as over
    except ImportError:
        raise AugmentlabError("oversampling needs imbalanced-learn: pip install 'augmentlab[tables]'") from None
    return over


def targets_for(labels: np.ndarray, m: float) -> dict[int, int]:
    """Rows each class should have after oversampling: its count plus the share ``m`` of
    its gap to the largest class (rounded)."""
    counts = np.bincount(labels)
    top = int(counts.max())
    return {int(c): int(n + round(m * (top - n))) for c, n in enumerate(counts) if n > 0}


def oversample(method: str, numeric: np.ndarray, codes: np.ndarray, labels: np.ndarray, m: float,
               seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New rows only, as ``(numeric, codes, labels)``, from the complete rows of
    ``numeric`` (N, F) and ``codes`` (N, G) with classes ``labels``."""
    if method not in OVERSAMPLERS:
        raise AugmentlabError(f"oversampler {method!r} is unknown; expected one of {', '.join(OVERSAMPLERS)}")
    check_probability(m, f"{method}: m")
    over = _imblearn()
    complete = ~np.isnan(numeric).any(axis=1) & (codes >= 0).all(axis=1)
    x_num, x_cod, y = numeric[complete], codes[complete], labels[complete]
    wanted = targets_for(labels, m)
    have = np.bincount(labels, minlength=max(wanted) + 1)
    strategy = {c: int(np.sum(y == c)) + (n - int(have[c])) for c, n in wanted.items() if n > have[c]}
    empty = (np.zeros((0, numeric.shape[1])), np.zeros((0, codes.shape[1]), np.int64), np.zeros(0, np.int64))
    if not strategy:
        return empty
    small = min(int(np.sum(y == c)) for c in strategy)
    if small < 2:
        raise AugmentlabError(f"{method}: a class to oversample has {small} complete row(s) in the training set; "
                              "interpolating needs at least two", field="m")
    k = min(NEIGHBOURS, small - 1)
    x = np.hstack([x_num, x_cod.astype(np.float64)])
    if codes.shape[1] and method != "smotenc":  # categories must not be interpolated
        raise AugmentlabError(f"{method} interpolates every column, and this table has {codes.shape[1]} categorical or boolean "
                              "column(s); use smotenc", field="policy")
    if method == "smotenc":
        if not codes.shape[1]:
            raise AugmentlabError("smotenc is for tables with categorical or boolean columns; this one has none: use smote")
        if not numeric.shape[1]:
            raise AugmentlabError("smotenc needs at least one numeric column; this table has only categories")
        coded = list(range(numeric.shape[1], numeric.shape[1] + codes.shape[1]))
        sampler = over.SMOTENC(categorical_features=coded, sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    elif method == "smote":
        sampler = over.SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    elif method == "borderline_smote":
        sampler = over.BorderlineSMOTE(sampling_strategy=strategy, k_neighbors=k, m_neighbors=min(10, len(y) - 1), random_state=seed)
    else:
        sampler = over.ADASYN(sampling_strategy=strategy, n_neighbors=k, random_state=seed)
    try:
        x_all, y_all = sampler.fit_resample(x, y)
    except (ValueError, RuntimeError) as e:
        raise AugmentlabError(f"{method}: {str(e).splitlines()[0][:160]}") from None
    new = slice(len(y), None)  # imbalanced-learn appends the new rows after the originals
    F = numeric.shape[1]
    return x_all[new, :F], np.rint(x_all[new, F:]).astype(np.int64), y_all[new].astype(np.int64)


class Oversampler(BatchOp):
    """An oversampler in the policy language: it closes a table policy (``smote(m=0.5)``,
    ``gaussian_noise(m=0.3)+smote``) and adds rows to the training set rather than changing
    rows. ``p`` is the chance that a call adds rows at all."""

    modality = "table"
    family = "oversample"
    magnitude = Magnitude("share of each class's gap to the largest class filled", 1.0, "", drawn=False)
    controls = "rows added to each rarer class: m of its gap to the largest class (m = 1: balanced)"
    adds_rows = True

    def __init__(self, m: float = 1.0, p: float = 1.0, mode: str = "uniform"):
        super().__init__(m, p, mode)

    def sample_params(self, g, batch, shape):
        return {"seed": seeds_from(g, 1).expand(batch)}

    def kernel(self, x, params):
        raise AugmentlabError(f"{self.name} adds rows rather than changing them; it runs on a labelled table "
                              "(evaluate, sweep, search, augment)")

    def new_rows(self, x, seed: int):
        """The rows ``x`` (a ``TableBatch``) gains, as a batch of the same schema."""
        from augmentlab.data.table_batch import TableBatch

        numeric, codes, labels = oversample(self.name, x.numeric, x.codes, x.labels, self.m, seed)
        return TableBatch(numeric, codes, labels, x.schema)

    def apply_batch(self, x, target, num_classes, generator, *, model=None, forward=None):
        """``(rows plus new rows, their labels)``."""
        from augmentlab.data.table_batch import TableBatch

        seed = int(seeds_from(generator, 1)[0]) % 2**32  # imbalanced-learn takes 32-bit seeds
        if float(torch.rand((), generator=generator)) >= self.p:
            return x, target
        new = self.new_rows(x, seed)
        return TableBatch.concat([x, new]), torch.cat([torch.as_tensor(target), torch.from_numpy(new.labels)])


@register
class Smote(Oversampler):
    """SMOTE (Chawla et al. 2002): new rows on segments between a row and one of its
    nearest neighbours of the same class; numeric columns only."""

    name = "smote"


@register
class BorderlineSmote(Oversampler):
    """Borderline-SMOTE (Han et al. 2005): SMOTE from the rows near the class border."""

    name = "borderline_smote"


@register
class Adasyn(Oversampler):
    """ADASYN (He et al. 2008): more new rows where a class is harder to learn."""

    name = "adasyn"


@register
class SmoteNC(Oversampler):
    """SMOTE-NC: numeric columns interpolated, categorical and boolean ones set to the most
    common value among the neighbours (never outside their categories)."""

    name = "smotenc"
