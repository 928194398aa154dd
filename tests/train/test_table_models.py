"""Table models and metrics: each model fits the mortgage table (missing values and
categories included), metrics equal scikit-learn's, and the threshold tuned on validation
is at least as good there as 0.5."""

import numpy as np
import pytest

from augmentlab.data.table_file import read_table
from augmentlab.errors import AugmentlabError
from augmentlab.train.table_metrics import TABLE_METRICS, positive_class, score, tune_threshold
from augmentlab.train.table_models import TABLE_MODELS, build_table_model, features
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def mortgage():
    t = read_table(shared_data("tabular") / "hdma.csv", "deny")
    return features(t.numeric, t.codes), t.labels, t


@pytest.mark.parametrize("name", TABLE_MODELS)
def test_every_model_fits_missing_values_and_categories_and_repeats_itself(mortgage, name):
    x, y, t = mortgage
    assert np.isnan(x).any()  # the incomplete applicant's row stays in
    train, test = np.arange(0, 1600), np.arange(1600, len(y))
    fitted = [build_table_model(name, t.numeric.shape[1], t.codes.shape[1], seed=0).fit(x[train], y[train]) for _ in range(2)]
    proba = [m.predict_proba(x[test]) for m in fitted]
    assert np.array_equal(proba[0], proba[1])
    assert score("roc_auc", y[test], proba[0], positive=positive_class(y, 2)) > 0.7


def test_metrics_equal_scikit_learns_and_the_positive_class_is_the_rare_one():
    from sklearn.metrics import average_precision_score, balanced_accuracy_score, roc_auc_score

    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.15).astype(np.int64)
    p1 = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    proba = np.stack([1 - p1, p1], 1)
    positive = positive_class(y, 2)
    assert positive == 1
    assert score("pr_auc", y, proba, positive=1) == pytest.approx(average_precision_score(y, p1))
    assert score("roc_auc", y, proba, positive=1) == pytest.approx(roc_auc_score(y, p1))
    assert score("balanced_accuracy", y, proba, threshold=0.5, positive=1) == pytest.approx(balanced_accuracy_score(y, p1 >= 0.5))
    flipped = np.stack([p1, 1 - p1], 1)  # the rare class first: PR-AUC follows it
    assert score("pr_auc", 1 - y, flipped, positive=positive_class(1 - y, 2)) == pytest.approx(average_precision_score(y, p1))


def test_the_tuned_threshold_is_no_worse_on_validation_than_one_half():
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.1).astype(np.int64)
    p1 = np.clip(0.25 * y + rng.random(400) * 0.5, 0, 1)  # the rare class never reaches 0.5 often
    proba = np.stack([1 - p1, p1], 1)
    for metric in ("balanced_accuracy", "accuracy"):
        t = tune_threshold(metric, y, proba, positive=1)
        assert score(metric, y, proba, threshold=t, positive=1) >= score(metric, y, proba, threshold=0.5, positive=1)
    assert tune_threshold("balanced_accuracy", y, proba, 1) != 0.5
    assert tune_threshold("pr_auc", y, proba, 1) is None


def test_multiclass_scores_and_clear_errors():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 200)
    proba = rng.dirichlet(np.ones(3), 200)
    proba[np.arange(200), y] += 1.0
    proba /= proba.sum(1, keepdims=True)
    assert all(0.0 <= score(m, y, proba) <= 1.0 for m in TABLE_METRICS)
    with pytest.raises(AugmentlabError, match="metric 'f1' is unknown"):
        score("f1", y, proba)
    with pytest.raises(AugmentlabError, match="needs both classes"):
        score("roc_auc", np.zeros(5, np.int64), np.tile([[0.5, 0.5]], (5, 1)), positive=1)
    with pytest.raises(AugmentlabError, match="model 'xgb' is not a table model"):
        build_table_model("xgb", 2, 1, 0)
