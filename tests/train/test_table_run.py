"""One table run: the policy's rows are made once per seed from the training rows alone,
the threshold is tuned on validation, and the same seed gives the same numbers."""

import numpy as np
import pytest

from augmentlab.data.split import make_splits
from augmentlab.lab import Lab
from augmentlab.policy import parse_policy
from augmentlab.train.protocol import evaluate, run_once
from augmentlab.train.table_run import augmented_rows
from tests.table_data import write_loans


@pytest.fixture
def lab(tmp_path):
    return Lab(str(write_loans(tmp_path / "loans.csv", rows=300)), "gaussian_noise(m=0.5)", None, seeds=2, train_size=120,
               target="deny")


def test_oversampled_rows_then_copies_of_all_rows(lab):
    x = lab.ds.data[np.arange(120)]
    rows, stats = augmented_rows(x, parse_policy("gaussian_noise(m=0.5)+smotenc(m=1)", "table"), 2, seed=0)
    grown = stats["rows"] + stats["oversampled"]
    assert stats["oversampled"] > 0 and len(rows) == 3 * grown
    assert rows[:120].same_rows(x)
    same, _ = augmented_rows(x, parse_policy("gaussian_noise(m=0.5)+smotenc(m=1)", "table"), 2, seed=0)
    assert same.same_rows(rows)


def test_the_ops_draw_from_the_training_rows_alone(lab):
    x = lab.ds.data[np.arange(120)]
    assert not np.allclose(x.fitted().stats.scale, lab.ds.data.stats.scale)  # the file's spread is not the split's
    rows, _ = augmented_rows(x, parse_policy("gaussian_noise(m=1,mode=fixed)", "table"), 1, seed=0)
    change = rows.numeric[120:] - x.numeric
    assert np.allclose(np.nanstd(change, 0) / x.fitted().stats.scale, 0.2, rtol=0.3)


def test_a_run_reports_the_chosen_metric_and_a_tuned_threshold(lab):
    protocol = lab.protocol.__class__(**{**lab.protocol.__dict__, "metric": "balanced_accuracy"})
    splits = make_splits(lab.ds.labels, protocol, 0, external_test=False)
    run = run_once(lab.ds, splits, lab.policy, protocol, 0, None)
    assert run["test_accuracy"] == run["test_metrics"]["balanced_accuracy"] and 0 < run["threshold"] < 1
    assert set(run["test_metrics"]) == {"pr_auc", "roc_auc", "balanced_accuracy", "accuracy"}
    assert run["train_rows"] == 240 and run["table_augmentation"]["copies"] == 1


def test_evaluate_is_seeded_and_names_its_metric(lab):
    a = evaluate(lab.ds, lab.policy, lab.protocol)
    b = evaluate(lab.ds, lab.policy, lab.protocol)
    assert a["metric"] == "pr_auc" and a["lift"] == b["lift"]
    assert [r["test_accuracy"] for r in a["augmented"]["runs"]] == [r["test_accuracy"] for r in b["augmented"]["runs"]]


def test_no_augmentation_adds_no_rows_but_an_op_at_m_zero_repeats_them(lab):
    x = lab.ds.data[np.arange(120)]
    assert len(augmented_rows(x, parse_policy("none", "table"), 1, seed=0)[0]) == 120
    repeated, _ = augmented_rows(x, parse_policy("gaussian_noise(m=0)", "table"), 1, seed=0)
    assert len(repeated) == 240 and repeated[120:].same_rows(x)  # the control: rows seen twice, unchanged
