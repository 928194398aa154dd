"""--seeds auto: seeds are added until the lift's CI excludes zero, reaches the target
half-width, or the budget is spent; each earlier run is kept."""

import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.train import seeds_auto
from augmentlab.train.protocol import Protocol
from augmentlab.train.seeds_auto import SeedRule, evaluate_until


def test_stop_reasons():
    rule = SeedRule(target_halfwidth=0.01, max_seeds=5)
    assert "excludes zero" in rule.stop_reason({"ci95": [0.001, 0.05]}, 3)
    assert "excludes zero" in rule.stop_reason({"ci95": [-0.05, -0.001]}, 3)
    assert "half-width reached 1 points" in rule.stop_reason({"ci95": [-0.009, 0.009]}, 4)
    assert rule.stop_reason({"ci95": [-0.03, 0.04]}, 4) is None
    assert "--max-seeds 5" in rule.stop_reason({"ci95": [-0.03, 0.04]}, 5)
    with pytest.raises(AugmentlabError, match="max_seeds"):
        SeedRule(0.01, max_seeds=1).check()


def test_seeds_are_added_one_at_a_time_and_earlier_runs_are_reused(monkeypatch):
    calls, trained = [], []
    # the lift's CI narrows with each seed and first excludes zero at 5 seeds
    cis = {3: [-0.04, 0.06], 4: [-0.01, 0.05], 5: [0.002, 0.04]}

    def fake_evaluate(ds, policy, protocol, test, progress, cache=None, target_halfwidth=None, **options):
        calls.append(protocol.seeds)
        for seed in range(protocol.seeds):
            for arm in ("baseline", "augmented"):
                if cache.get(arm, seed) is None:
                    trained.append((arm, seed))
                    cache.put(arm, seed, {"seed": seed})
        return {"lift": {"mean": 0.02, "ci95": cis[protocol.seeds], "std": 0.02, "n": protocol.seeds}, "protocol": {}}

    monkeypatch.setattr(seeds_auto, "evaluate", fake_evaluate)
    ticks = []
    result = evaluate_until(None, None, Protocol(per_class=5, seeds=3), SeedRule(0.001, max_seeds=8), progress=ticks.append)
    assert calls == [3, 4, 5]
    assert len(trained) == len(set(trained)) == 10 and len(ticks) == 10  # every run once
    rule = result["seeds_rule"]
    assert rule["seeds"] == 5 and "excludes zero after 5 seeds" in rule["stopped_because"]
    assert [look["seeds"] for look in rule["looks"]] == [3, 4, 5] and rule["target_halfwidth"] == 0.001


def test_adaptive_and_synthetic_arms_keep_a_fixed_count():
    with pytest.raises(AugmentlabError, match="fixed number of seeds"):
        evaluate_until(None, None, Protocol(per_class=5), SeedRule(0.01), adaptive=object())
