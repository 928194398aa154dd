"""The same search on Ray Tune: Optuna's TPE proposes through ``OptunaSearch`` (writing to the
same Optuna study and storage), ASHA stops weak trials at the same rungs, and trials run as
Ray tasks on a local cluster or an existing one (``--ray-address``).

An optional extra: ``pip install 'augmentlab[distributed]'``. With trials in parallel the
order in which results arrive varies, so a Ray search is not byte-for-byte reproducible;
each trial's training still is.
"""

from __future__ import annotations

import os
import tempfile
import warnings

from augmentlab.errors import AugmentlabError
from augmentlab.search.trials import TrialData, TrialPlan, run_trial


def _import_ray():
    try:
        import ray
        from ray import tune
    except ImportError:
        raise AugmentlabError("backend ray needs Ray Tune: pip install 'augmentlab[distributed]'", field="backend") from None
    return ray, tune


class _DefineByRun:
    """The space as Ray's OptunaSearch wants it: a picklable callable that suggests."""

    def __init__(self, space):
        self.space = space

    def __call__(self, trial) -> None:
        self.space.suggest(trial)


def _trainable(config: dict, space=None, data: TrialData = None, plan: TrialPlan = None):
    """One trial inside a Ray worker: one torch thread, results reported per rung."""
    import torch
    from ray import tune

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    run_trial(data, space.build(config), plan, lambda rung, acc: tune.report({"val_accuracy": acc, "rung": rung}))


def run_trials_ray(study, study_name: str, space, data: TrialData, plan: TrialPlan, n_trials: int, settings,
                   sampler_seed: int, display=None) -> None:
    """Run ``n_trials`` more trials of ``study`` on Ray Tune."""
    ray, tune = _import_ray()
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=settings.ray_address, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                     configure_logging=False)
        except Exception as e:  # noqa: BLE001 - connection errors come in many types
            raise AugmentlabError(f"ray_address {settings.ray_address}: cannot connect ({type(e).__name__}: {e})", field="ray_address") from None
    try:
        searcher = OptunaSearch(space=_DefineByRun(space), metric="val_accuracy", mode="max",
                                sampler=study.sampler, study_name=study_name, storage=study._storage)
        scheduler = ASHAScheduler(time_attr="rung", metric="val_accuracy", mode="max", max_t=plan.reports, grace_period=1,
                                  reduction_factor=plan.reduction_factor)
        callbacks = [_DisplayCallback(study, plan, space, display)] if display else []
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # the older reporter is silent at verbose=0
        with tempfile.TemporaryDirectory(prefix="augmentlab-ray-") as scratch, warnings.catch_warnings():
            # Optuna's heartbeat is meant for Study.optimize; Ray drives the study through ask/tell
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            tuner = tune.Tuner(
                tune.with_resources(tune.with_parameters(_trainable, space=space, data=data, plan=plan), {"cpu": 1}),
                tune_config=tune.TuneConfig(search_alg=searcher, scheduler=scheduler, num_samples=n_trials),
                run_config=tune.RunConfig(storage_path=scratch, name=study_name, verbose=0, callbacks=callbacks),
            )
            grid = tuner.fit()
            _store_rungs(study, searcher, grid)
        errors = [r.error for r in grid if r.error is not None]
        if errors:
            raise AugmentlabError(f"a Ray trial failed: {type(errors[0]).__name__}: {str(errors[0]).splitlines()[0]}")
    finally:
        if started_here:
            ray.shutdown()


def _store_rungs(study, searcher, grid) -> None:
    """Record how far each Ray trial got, as study attributes ``rungs:<number>``."""
    by_ray_id = getattr(searcher, "_ot_trials", {})
    for result in grid:
        ot_trial = by_ray_id.get(result.metrics.get("trial_id")) if result.metrics else None
        if ot_trial is not None and "rung" in result.metrics:
            study.set_user_attr(f"rungs:{ot_trial.number}", int(result.metrics["rung"]))


class _DisplayCallback:
    """Updates the live view as Ray trials finish. Ray pickles its run configuration; the
    pickled copy carries no display (only the driver's instance draws)."""

    def __new__(cls, study, plan, space, display):
        from ray.tune import Callback

        class _Callback(Callback):
            def __init__(self, view):
                self.view = view  # an argument, not a closure: cloudpickle would carry a closure along

            def __getstate__(self):
                return {"view": None}

            def on_trial_complete(self, iteration, trials, trial, **info):
                if self.view is None:
                    return
                from augmentlab.search.records import trial_records

                study_, plan_, space_, display_ = self.view
                display_.trial_done(trial_records(study_, plan_, space_))

        return _Callback((study, plan, space, display))
