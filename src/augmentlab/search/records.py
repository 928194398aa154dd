"""The stored history of a search: one record per trial, read from the Optuna study.

The records (not the live study) are what the results, the live display and the report's
plots are made from, so a run directory holds everything its figures need."""

from __future__ import annotations

from augmentlab.search.space import spec_of
from augmentlab.search.trials import TrialPlan


def trial_records(study, plan: TrialPlan, space) -> list[dict]:
    """Every trial that ran to a decision, with its policy, rungs reached and steps spent."""
    import optuna

    out = []
    trials = study.get_trials(deepcopy=False)
    for t in trials:
        if t.state not in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED):
            continue
        # Ray's searcher may not report a trial's last rung; the backend stores it
        reached = max(max(t.intermediate_values, default=0), study.user_attrs.get(f"rungs:{t.number}", 0))
        duplicate_of = t.user_attrs.get("duplicate_of")
        scored = t
        if duplicate_of is not None:  # costs nothing; ranks as the trial it repeats (pruned too, if it was)
            scored = trials[duplicate_of]
            reached = max(scored.intermediate_values, default=0)
        out.append({
            "number": t.number,
            "params": dict(t.params),
            "policy": t.user_attrs.get("policy") or spec_of(space.build(t.params)),
            "val_accuracy": scored.value if scored.value is not None else scored.intermediate_values.get(reached),
            "rungs": reached,
            "finished": reached >= plan.reports,
            "steps": 0 if duplicate_of is not None else reached * plan.rung_steps,
            "duplicate_of": duplicate_of,
            "seconds": (t.datetime_complete - t.datetime_start).total_seconds() if t.datetime_complete else None,
        })
    return out
