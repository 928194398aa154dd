"""Oversamplers through imbalanced-learn: m fills that share of the gap to the largest
class, SMOTE's rows lie on segments between same-class rows, categories never leave their
set, rows with missing values are kept out of the neighbour search, and draws repeat."""

import numpy as np
import pytest

from augmentlab.errors import AugmentlabError

pytest.importorskip("imblearn")

from augmentlab.ops.table.oversample import OVERSAMPLERS, oversample, targets_for  # noqa: E402


def _table(seed=0, n_major=90, n_minor=12):
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n_major, np.int64), np.ones(n_minor, np.int64)]
    numeric = rng.normal(size=(len(y), 3)) + y[:, None] * 2.0
    codes = rng.integers(0, 3, size=(len(y), 2))
    return numeric, codes, y


def test_m_fills_its_share_of_the_gap():
    y = np.r_[np.zeros(90, np.int64), np.ones(10, np.int64)]
    assert targets_for(y, 0.0) == {0: 90, 1: 10} and targets_for(y, 0.5) == {0: 90, 1: 50} and targets_for(y, 1.0) == {0: 90, 1: 90}
    numeric, _, y = _table()
    rows = oversample("smote", numeric, np.zeros((len(y), 0), np.int64), y, 0.5, seed=0)
    assert len(rows[2]) == round(0.5 * (90 - 12)) and set(rows[2].tolist()) == {1}
    assert len(oversample("smote", numeric, np.zeros((len(y), 0), np.int64), y, 0.0, seed=0)[2]) == 0


def test_smote_rows_lie_on_segments_between_minority_rows():
    numeric, _, y = _table()
    new, _, labels = oversample("smote", numeric, np.zeros((len(y), 0), np.int64), y, 1.0, seed=3)
    minority = numeric[y == 1]
    for row in new:  # some pair a, b of minority rows with row = a + t (b - a), t in [0, 1]
        found = False
        for a in minority:
            d = minority - a
            t = np.clip((d @ (row - a)) / np.maximum((d * d).sum(1), 1e-12), 0, 1)
            if np.min(np.linalg.norm(a + t[:, None] * d - row, axis=1)) < 1e-9:
                found = True
                break
        assert found


@pytest.mark.parametrize("method", OVERSAMPLERS)
def test_draws_repeat_and_categories_stay_in_their_set(method):
    numeric, codes, y = _table(1)
    if method != "smotenc":
        codes = codes[:, :0]
        with pytest.raises(AugmentlabError, match=f"{method} interpolates every column"):
            oversample(method, numeric, _table(1)[1], y, 1.0, seed=5)
    a = oversample(method, numeric, codes, y, 1.0, seed=5)
    b = oversample(method, numeric, codes, y, 1.0, seed=5)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert len(a[2]) > 0 and set(np.unique(a[1]).tolist()) <= {0, 1, 2}
    assert np.isfinite(a[0]).all()


def test_rows_with_missing_values_are_kept_out_of_the_neighbour_search():
    numeric, _, y = _table(2)
    numeric[np.flatnonzero(y == 1)[:3], 0] = np.nan
    new, _, _ = oversample("smote", numeric, np.zeros((len(y), 0), np.int64), y, 1.0, seed=0)
    assert np.isfinite(new).all()


def test_clear_errors():
    numeric, codes, y = _table()
    with pytest.raises(AugmentlabError, match="oversampler 'smoteX' is unknown"):
        oversample("smoteX", numeric, codes, y, 0.5, 0)
    with pytest.raises(AugmentlabError, match="m=1.5 is out of range"):
        oversample("smote", numeric, codes, y, 1.5, 0)
    lonely = np.r_[np.zeros(20, np.int64), np.ones(1, np.int64)]
    with pytest.raises(AugmentlabError, match="has 1 complete row"):
        oversample("smote", np.random.default_rng(0).normal(size=(21, 2)), np.zeros((21, 0), np.int64), lonely, 1.0, 0)
    with pytest.raises(AugmentlabError, match="smotenc needs at least one numeric column"):
        oversample("smotenc", np.zeros((len(y), 0)), codes, y, 0.5, 0)
