"""Budgeted policy search: Optuna TPE proposes, successive halving prunes, and the winner
is retrained on K seeds next to the free baselines (none, RandAugment, TrivialAugment).

Phases, each resumable from the Optuna storage:

1. Trials on a search split of their own; TPE (seeded) proposes, successive halving stops
   weak trials at rungs. The first trials are the space's warm starts (``warm_starts``),
   which run to the end of their trial (never pruned by the local backend).
2. The three baselines train on seeds 0..K-1 at the full step count, sharing splits, and
   the best finished trial's policy races them: seed by seed, it stops as soon as its mean
   validation accuracy falls behind the best free arm's on the same seeds (then it could
   only win by catching up), so a search that found nothing costs one retraining, not K.
   Nor does it train on the last seed when no score there could make it the reported
   policy (``versus.could_be_chosen``): that run could not change the choice.
   With no ``--test`` the test set is held out once for all seeds ("fixed" test split), so
   nothing used for choosing ever touches it.
3. The reported policy is the one of those four with the best mean validation accuracy
   (the search's own only if it finished the race): the search never ends below a free
   baseline on validation. Test is only reported.

Compute is counted in optimiser steps: ``train_run_equivalents`` is the steps spent on
trials plus the retraining of the winner (the seeds it raced), divided by one full
training run's steps.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds
from augmentlab.search.defaults import DEFAULT_TRIAL_FRACTION
from augmentlab.search.records import trial_records
from augmentlab.search.space import spec_of
from augmentlab.search.storage import open_storage, redact
from augmentlab.search.trials import TrialData, TrialPlan, run_trial
from augmentlab.search.versus import cheapest_tied, could_be_chosen, holm_versus, verdict
from augmentlab.train.protocol import Protocol, compare
from augmentlab.train.stats import paired
from augmentlab.values import check_number, check_seed

BACKENDS = ("local", "ray")
# A warm start runs to the end of its trial: the first rungs are too short to judge
# augmentation strength. On MNIST (10 per class) two ops at m = 0.3 scored 0.48 at 1/9 of
# a trial, behind one op at m = 0.1 (0.86), and so were stopped there, though such
# policies win full-length runs (see README: search).
WARM_START = "warm_start"


def baselines_for(ds: Dataset) -> dict[str, str]:
    """The free policies a search must beat: the modality's for this data
    (``Modality.baselines_for``)."""
    return dict(ds.kind.baselines_for(ds.data))


@dataclass(frozen=True)
class SearchSettings:
    budget: int  # trials
    seed: int = 0
    backend: str = "local"
    storage: str | None = None
    study_name: str | None = None
    trial_fraction: float = DEFAULT_TRIAL_FRACTION  # a full trial's steps, as a fraction of the protocol's
    reduction_factor: int = 3
    rungs: int = 2  # successive halving at 1/9 and 1/3 of a trial
    ray_address: str | None = None

    def check(self) -> None:
        check_number(self.budget, "budget", low=1, integer=True)
        check_seed(self.seed, "seed")
        if self.backend not in BACKENDS:
            raise AugmentlabError(f"backend {self.backend!r} is unknown; expected one of {', '.join(BACKENDS)}", field="backend")
        check_number(self.trial_fraction, "trial_fraction", low=0.0, low_open=True, high=1.0)
        if self.reduction_factor < 2 or self.rungs < 0:
            raise AugmentlabError("successive halving needs a reduction factor of at least 2 and rungs >= 0")


class _StudyCache:
    """Finished K-seed runs kept as study attributes, keyed by policy spec and seed."""

    def __init__(self, study, specs: dict[str, str]):
        self.study, self.specs = study, specs
        self.attrs = dict(study.user_attrs)

    def _key(self, name: str, seed: int) -> str:
        return f"run:{self.specs[name]}:{seed}"

    def get(self, name: str, seed: int):
        return self.attrs.get(self._key(name, seed))

    def put(self, name: str, seed: int, run: dict) -> None:
        self.study.set_user_attr(self._key(name, seed), run)
        self.attrs[self._key(name, seed)] = run


def _study_config(data_id: dict, space, protocol: Protocol, settings: SearchSettings, plan: TrialPlan) -> dict:
    return {"data": data_id, "space": space.to_dict(), "protocol": asdict(protocol), "seed": settings.seed,
            "plan": asdict(plan)}


def open_study(config: dict, settings: SearchSettings, sampler_seed: int, plan: TrialPlan, url: str | None = None):
    """Create or resume the study; a stored study with another configuration is an error.
    ``url`` overrides ``settings.storage`` (a scratch database for Ray, which must pickle
    its searcher and so cannot use in-memory storage)."""
    import optuna

    storage = open_storage(url or settings.storage)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    name = settings.study_name or f"augmentlab-search-{digest}"
    sampler = optuna.samplers.TPESampler(seed=sampler_seed, multivariate=True, n_startup_trials=min(10, max(3, settings.budget // 3)),
                                         constant_liar=settings.backend == "ray")
    pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=plan.reduction_factor)
    try:
        study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner,
                                    direction="maximize", load_if_exists=True)
    except Exception as e:  # noqa: BLE001 - e.g. a stored study with the other direction
        raise AugmentlabError(f"storage {redact(settings.storage)}: cannot use study {name!r} ({type(e).__name__})", field="storage") from None
    stored = study.user_attrs.get("config")
    if stored is None:
        study.set_user_attr("config", config)
    elif stored != config:
        raise AugmentlabError(f"storage {redact(settings.storage)} already holds study {name!r} with another data, space, "
                              "protocol or seed; pass a new study_name or the same settings", field=("storage", "study_name"))
    return study, name


def _earlier_result(study, spec: str, number: int):
    import optuna

    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    for t in study.get_trials(deepcopy=False, states=done):
        if t.number < number and t.user_attrs.get("policy") == spec and "duplicate_of" not in t.user_attrs:
            return t
    return None


def _local_objective(space, data: TrialData, plan: TrialPlan):
    import optuna

    def objective(trial):
        policy = space.build(space.suggest(trial))
        spec = spec_of(policy)
        trial.set_user_attr("policy", spec)
        # Different parameters can make the same policy (n = 0 at any m, say): reuse its result.
        earlier = _earlier_result(trial.study, spec, trial.number)
        if earlier is not None:
            trial.set_user_attr("duplicate_of", earlier.number)
            if earlier.state == optuna.trial.TrialState.PRUNED:
                raise optuna.TrialPruned()
            return earlier.value

        warm = bool(trial.user_attrs.get(WARM_START))

        def report(rung: int, acc: float) -> None:
            trial.report(acc, rung)
            if rung < plan.reports and not warm and trial.should_prune():
                raise optuna.TrialPruned()

        return run_trial(data, policy, plan, report)

    return objective


def run_search(ds: Dataset, space, protocol: Protocol, settings: SearchSettings, test: Dataset | None = None,
               data_id: dict | None = None, display=None) -> tuple[dict, object]:
    """Search, retrain the winner and the baselines on K seeds, and summarise. Returns the
    results and the Optuna study (for plots)."""
    import optuna

    settings.check()
    protocol = replace(protocol, test_split="fixed")
    protocol.check(ds, test)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # data trained on copies made once (text) fits in one go: no rungs to prune at
    rungs = settings.rungs if "rungs" in ds.kind.features else 0
    # a model fitted once on rows (tables) takes no steps: its trials are whole fits, and count so
    fraction = 1.0 if ds.kind.training == "rows" else settings.trial_fraction
    plan = TrialPlan.for_protocol(protocol, fraction, settings.reduction_factor, rungs)
    split_seed, sampler_seed = child_seeds(settings.seed, 2)
    sampler_seed %= 2**32  # Optuna seeds a legacy numpy RandomState
    config = _study_config(data_id or {"samples": len(ds), "shape": list(ds.kind.sample_shape(ds.data))}, space, protocol, settings, plan)
    with tempfile.TemporaryDirectory(prefix="augmentlab-search-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'study.db'}" if settings.backend == "ray" and settings.storage is None else None
        study, name = open_study(config, settings, sampler_seed, plan, url)
        results = _search_and_retrain(ds, space, protocol, settings, test, study, name, plan, split_seed, sampler_seed, display)
        if url is not None:  # keep the trials in memory once the scratch database is gone
            import optuna

            memory = optuna.create_study(direction="maximize")
            memory.add_trials(study.get_trials())
            study = memory
    return results, study


def _search_and_retrain(ds, space, protocol, settings, test, study, name, plan, split_seed, sampler_seed, display) -> dict:
    data = TrialData.from_dataset(ds, protocol, split_seed, external_test=test is not None)

    start = time.perf_counter()
    done = len(trial_records(study, plan, space))
    if not study.trials:
        for params in space.warm_starts():
            study.enqueue_trial(params, user_attrs={WARM_START: True}, skip_if_exists=True)
    if display:
        display.start_search(settings.budget, done, trial_records(study, plan, space))
    remaining = settings.budget - done
    if remaining > 0:
        if settings.backend == "ray":
            from augmentlab.search.ray_backend import run_trials_ray

            run_trials_ray(study, name, space, data, plan, remaining, settings, sampler_seed, display)
        else:
            callback = (lambda s, t: display.trial_done(trial_records(s, plan, space))) if display else None
            study.optimize(_local_objective(space, data, plan), n_trials=remaining, callbacks=[callback] if callback else None,
                           catch=())
    search_seconds = time.perf_counter() - start
    trials = trial_records(study, plan, space)
    finished = [t for t in trials if t["finished"] and t["duplicate_of"] is None]
    if not finished:
        raise AugmentlabError("no trial ran to the end; raise budget", field="budget")
    best = best_trial(finished)
    best_policy = space.build(best["params"])

    # Phase 2: the winner and the free baselines on K seeds, sharing splits.
    from augmentlab.policy import parse_policy

    baselines = baselines_for(ds)
    arms = {"search": best_policy, **{k: parse_policy(v, ds.modality) for k, v in baselines.items()}}
    specs = {"baseline": "none", "search": spec_of(best_policy), **baselines}
    if best_policy is None:
        arms.pop("search")
    if display:
        display.start_retrain(protocol.seeds * (len(arms) + 1))
    # the order ``summarise`` chooses in, by the arms' names here
    candidates = ["baseline", *baselines, "search"]
    compared = compare(ds, arms, protocol, test, display.advance_retrain if display else None, cache=_StudyCache(study, specs),
                       race=("search",) if "search" in arms else (),
                       can_win=lambda val_runs, name: could_be_chosen(candidates, val_runs, name))
    results = summarise(compared, specs, best, trials, plan, protocol, settings, name, search_seconds, baselines)
    results["seconds"] = time.perf_counter() - start
    return results


def best_trial(finished: list[dict]) -> dict:
    """The finished trial with the best validation score. Among equal scores no
    augmentation comes first, then the earliest trial: a policy that validation cannot
    tell from none found nothing to retrain, and none's runs are the baseline's own (on
    JapaneseVowels every trial tied at 94.4%, and retraining the first of them cost
    6 of the search's 7.5 training-run equivalents)."""
    return max(finished, key=lambda t: (t["val_accuracy"], t["policy"] == "none", -t["number"]))


# how the verdict names the free baselines
BASELINE_NAMES = {"none": "no augmentation", "randaugment": "RandAugment", "trivialaugment": "TrivialAugment"}


def summarise(compared: dict, specs: dict, best: dict, trials: list[dict], plan: TrialPlan, protocol: Protocol,
              settings: SearchSettings, study_name: str, search_seconds: float, baselines: dict) -> dict:
    arms = compared["arms"]
    if "search" not in arms:  # the search's best was no augmentation: the baseline's runs are its runs
        arms["search"] = arms["baseline"]
    named = {"none": "baseline", "search": "search", **{k: k for k in baselines}}
    # the simplest policy validation cannot tell from the best: none, then the free
    # baselines, then the search's own; a search policy dropped from the race (behind a
    # free arm on validation, or unable to be chosen whatever its last seed gave) is out
    dropped_after = arms["search"].get("dropped_after")
    order = ["none", *baselines] + (["search"] if dropped_after is None else [])
    chosen = cheapest_tied(order, {k: [r["val_accuracy"] for r in arms[named[k]]["runs"]] for k in order})
    arm = arms[named[chosen]]
    test_runs = lambda k: [r["test_accuracy"] for r in arms[named[k]]["runs"]]  # noqa: E731
    versus = holm_versus(test_runs("search"), {k: test_runs(k) for k in ["none", *baselines]})
    base_runs = [r["test_accuracy"] for r in arms["baseline"]["runs"]]
    strip = lambda a: {k: v for k, v in a.items() if k not in ("runs", "lift")}  # noqa: E731
    trial_steps = sum(t["steps"] for t in trials)
    # with the data's own split every run trains twice: on the choosing part and on all of it
    per_run = 2 if protocol.per_stratum is None else 1
    trainings = protocol.seeds * protocol.steps * per_run
    retrained_seeds = len(arms["search"]["runs"])
    # a seed where the race was lost after the choosing half of a run counts that half
    retrain_runs = retrained_seeds * per_run + bool(arms["search"].get("dropped_before_refit"))
    retrain_steps = 0 if specs["search"] == "none" else retrain_runs * protocol.steps
    baseline_steps = (len(baselines) + 1) * trainings
    return {
        "metric": compared["metric"],
        "best_policy": specs[named[chosen]],
        "chosen_from": chosen,
        "best_val_accuracy": arm["val_accuracy"]["mean"],
        "val_accuracy": arm["val_accuracy"],
        "test_accuracy": arm["test_accuracy"],
        "lift_vs_none": paired(base_runs, [r["test_accuracy"] for r in arm["runs"]]),
        "search_versus_baselines": versus,
        "verdict": verdict(versus, {k: BASELINE_NAMES.get(k, k) for k in versus}, dropped_after,
                           arms["search"].get("dropped_reason", "behind")),
        "search_best": {"policy": specs["search"], "trial": best["number"], "trial_val_accuracy": best["val_accuracy"],
                        "retrained_seeds": retrained_seeds, **strip(arms["search"])},
        "baselines": {"none": {"policy": "none", **strip(arms["baseline"])},
                      **{k: {"policy": baselines[k], **strip(arms[k])} for k in baselines}},
        "trials": len(trials),
        "trials_finished": sum(t["finished"] for t in trials),
        "trials_pruned": sum(not t["finished"] for t in trials),
        "trial_history": trials,
        "search_seconds": search_seconds,  # this invocation's; a resumed search also lists every trial's time
        "trial_seconds_total": sum(t["seconds"] or 0.0 for t in trials),
        "train_run_equivalents": (trial_steps + retrain_steps) / protocol.steps,
        "compute": {
            "unit": f"one training run of {protocol.steps} steps",
            "trial_steps": trial_steps, "retrain_steps": retrain_steps, "baseline_steps": baseline_steps,
            "search_run_equivalents": trial_steps / protocol.steps,
            "retrain_run_equivalents": retrain_steps / protocol.steps,
            "baseline_run_equivalents": baseline_steps / protocol.steps,
            "seconds_per_training_run": sum(r["seconds"] for r in arms["baseline"]["runs"]) / len(arms["baseline"]["runs"]) / per_run,
        },
        "plan": {**asdict(plan), "trial_steps": plan.trial_steps},
        "protocol": compared["protocol"],
        "backend": settings.backend,
        "storage": redact(settings.storage),
        "study_name": study_name,
        "seed": settings.seed,
        "budget": settings.budget,
    }
