import pytest

from augmentlab.data import load_dataset
from augmentlab.search.space import space_from_dict
from augmentlab.search.study import SearchSettings, best_trial, run_search
from augmentlab.train.protocol import Protocol


def test_repeated_policies_cost_nothing_and_none_needs_no_retraining():
    space = space_from_dict({"kind": "rand", "n": [0, 0]})  # every trial is "none"
    r, _ = run_search(load_dataset("digits"), space, Protocol(per_class=5, seeds=2, steps=45),
                      SearchSettings(budget=3, trial_fraction=0.5))
    first, *rest = r["trial_history"]
    assert first["duplicate_of"] is None and first["steps"] == 45 // 2 // 9 * 9  # two rungs of eta = 3
    assert [t["duplicate_of"] for t in rest] == [0, 0] and all(t["steps"] == 0 for t in rest)
    assert r["search_best"]["policy"] == "none" and r["compute"]["retrain_steps"] == 0
    assert r["train_run_equivalents"] == pytest.approx(first["steps"] / 45)
    # "none" is its own baseline: the same runs, not retrained
    assert r["search_best"]["test_accuracy"] == r["baselines"]["none"]["test_accuracy"]


def test_warm_starts_run_to_the_end_where_other_trials_are_pruned(monkeypatch):
    import optuna

    from augmentlab.search import study as study_module
    from augmentlab.search.trials import TrialPlan

    plan = TrialPlan(rung_steps=1, reduction_factor=3, rungs=2)

    def fake_trial(data, policy, plan, report):
        for rung in range(1, plan.reports + 1):
            report(rung, 0.1)  # below the pruner's threshold at every rung
        return 0.1

    monkeypatch.setattr(study_module, "run_trial", fake_trial)
    space = space_from_dict({"kind": "rand"})
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.5))
    study.enqueue_trial(space.warm_starts()[1], user_attrs={study_module.WARM_START: True})
    study.enqueue_trial({"n": 3, "m": 0.5, "op_set": "all"})
    study.optimize(study_module._local_objective(space, None, plan), n_trials=2)
    warm, other = study.trials
    assert warm.state == optuna.trial.TrialState.COMPLETE and max(warm.intermediate_values) == plan.reports
    assert other.state == optuna.trial.TrialState.PRUNED and list(other.intermediate_values) == [1]


def test_a_repeat_of_a_pruned_trial_carries_its_score(monkeypatch):
    import optuna

    from augmentlab.report.search_live import SearchDisplay
    from augmentlab.search import study as study_module
    from augmentlab.search.records import trial_records
    from augmentlab.search.trials import TrialPlan

    plan = TrialPlan(rung_steps=1, reduction_factor=3, rungs=2)

    def fake_trial(data, policy, plan, report):
        report(1, 0.1)  # below the pruner's threshold: pruned at the first rung
        return 0.1

    monkeypatch.setattr(study_module, "run_trial", fake_trial)
    space = space_from_dict({"kind": "rand"})
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.5))
    for _ in range(2):
        study.enqueue_trial({"n": 3, "m": 0.5, "op_set": "all"})
    study.optimize(study_module._local_objective(space, None, plan), n_trials=2)
    first, repeat = trial_records(study, plan, space)
    assert repeat["duplicate_of"] == 0 and not repeat["finished"] and repeat["steps"] == 0
    assert repeat["val_accuracy"] == first["val_accuracy"] == 0.1  # was None: the live table crashed on it
    display = SearchDisplay()
    display.trials = [first, repeat, {**first, "number": 2, "val_accuracy": None, "finished": True}]  # Ray: stopped unreported
    display._render()
    assert display._best_line() == "best so far: -"


def test_the_best_trial_is_none_where_validation_ties_it():
    trials = [{"number": 0, "policy": "noise(m=0.1)", "val_accuracy": 0.9},
              {"number": 1, "policy": "none", "val_accuracy": 0.9},
              {"number": 2, "policy": "jitter(m=0.3)", "val_accuracy": 0.9}]
    assert best_trial(trials)["number"] == 1  # none: nothing to retrain
    trials[2]["val_accuracy"] = 0.95
    assert best_trial(trials)["number"] == 2  # a better score wins
    assert best_trial([{**t, "val_accuracy": 0.9} for t in trials if t["policy"] != "none"])["number"] == 0  # then the earliest
