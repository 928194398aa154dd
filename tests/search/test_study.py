import pytest

from augmentlab.data import load_dataset
from augmentlab.search.space import space_from_dict
from augmentlab.search.study import SearchSettings, run_search
from augmentlab.train.protocol import Protocol


def test_repeated_policies_cost_nothing_and_none_needs_no_retraining():
    space = space_from_dict({"kind": "rand", "n": [0, 0]})  # every trial is "none"
    r, _ = run_search(load_dataset("digits"), space, Protocol(per_class=5, seeds=2, steps=45), SearchSettings(budget=3))
    first, *rest = r["trial_history"]
    assert first["duplicate_of"] is None and first["steps"] == 45 // 2 // 9 * 9  # two rungs of eta = 3
    assert [t["duplicate_of"] for t in rest] == [0, 0] and all(t["steps"] == 0 for t in rest)
    assert r["search_best"]["policy"] == "none" and r["compute"]["retrain_steps"] == 0
    assert r["train_run_equivalents"] == pytest.approx(first["steps"] / 45)
    # "none" is its own baseline: the same runs, not retrained
    assert r["search_best"]["test_accuracy"] == r["baselines"]["none"]["test_accuracy"]
