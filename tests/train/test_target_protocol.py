"""The targets protocol: disjoint splits, the classification layout with a metric field,
and clear refusals."""

import pytest
import torch

from augmentlab.data.canvas import make_canvas
from augmentlab.errors import AugmentlabError
from augmentlab.policy import parse_policy
from augmentlab.train.target_protocol import TargetProtocol, evaluate_targets, splits


def test_splits_are_disjoint_and_seeded():
    protocol = TargetProtocol(train_size=10, val_size=5, test_size=7)
    a, b = splits(30, protocol, 0, external_test=False), splits(30, protocol, 0, external_test=False)
    assert all(torch.equal(a[k], b[k]) for k in a)
    joined = torch.cat(list(a.values()))
    assert len(joined) == 22 and len(set(joined.tolist())) == 22
    assert len(splits(30, protocol, 0, external_test=True)["test"]) == 0


def test_evaluate_reports_the_metric_in_the_classification_layout(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    data = make_canvas("canvas-seg", 24, seed=0)
    protocol = TargetProtocol(train_size=8, val_size=4, test_size=8, seeds=2, steps=2, batch_size=4)
    result = evaluate_targets(data, parse_policy("hflip"), protocol)
    assert result["metric"] == "miou" and result["lift"]["n"] == 2
    for arm in ("baseline", "augmented"):
        assert set(result[arm]) >= {"test_accuracy", "train_accuracy", "val_accuracy", "runs"}
        assert 0.0 <= result[arm]["test_accuracy"]["mean"] <= 1.0


def test_too_little_data_and_mismatched_tests_are_refused(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    data = make_canvas("canvas-det", 20, seed=0)
    with pytest.raises(AugmentlabError, match="train_size: 200 training, 100 validation and 300 test images need 600; the data has 20"):
        evaluate_targets(data, None, TargetProtocol())
    with pytest.raises(AugmentlabError, match="test: its targets are not of the data's kind"):
        evaluate_targets(data, None, TargetProtocol(train_size=5, val_size=2), test=make_canvas("canvas-seg", 5))
