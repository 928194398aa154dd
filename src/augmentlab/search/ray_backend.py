"""The same search on Ray Tune: Optuna's TPE proposes through ``OptunaSearch`` (writing to the
same Optuna study and storage), ASHA stops weak trials at the same rungs, and trials run as
Ray tasks on a local cluster or an existing one (``--ray-address``).

An optional extra: ``pip install 'augmentlab[distributed]'``. With trials in parallel the
order in which results arrive varies, so a Ray search is not byte-for-byte reproducible;
each trial's training still is.
"""

from __future__ import annotations

import tempfile

from augmentlab.errors import AugmentlabError
from augmentlab.search.trials import TrialData, TrialPlan, run_trial


def _import_ray():
    try:
        import ray
        from ray import tune
    except ImportError:
        raise AugmentlabError("--backend ray needs Ray Tune: pip install 'augmentlab[distributed]'") from None
    return ray, tune


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
            raise AugmentlabError(f"--ray-address {settings.ray_address}: cannot connect ({type(e).__name__}: {e})") from None
    try:
        searcher = OptunaSearch(space=lambda trial: space.suggest(trial) and None, metric="val_accuracy", mode="max",
                                sampler=study.sampler, study_name=study_name, storage=study._storage)
        scheduler = ASHAScheduler(time_attr="rung", max_t=plan.reports, grace_period=1, reduction_factor=plan.reduction_factor)
        callbacks = [_DisplayCallback(study, plan, space, display)] if display else []
        with tempfile.TemporaryDirectory(prefix="augmentlab-ray-") as scratch:
            tuner = tune.Tuner(
                tune.with_resources(tune.with_parameters(_trainable, space=space, data=data, plan=plan), {"cpu": 1}),
                tune_config=tune.TuneConfig(search_alg=searcher, scheduler=scheduler, num_samples=n_trials),
                run_config=tune.RunConfig(storage_path=scratch, name=study_name, verbose=0, callbacks=callbacks),
            )
            grid = tuner.fit()
        errors = [r.error for r in grid if r.error is not None]
        if errors:
            raise AugmentlabError(f"a Ray trial failed: {type(errors[0]).__name__}: {str(errors[0]).splitlines()[0]}")
    finally:
        if started_here:
            ray.shutdown()


class _DisplayCallback:
    def __new__(cls, study, plan, space, display):
        from ray.tune import Callback

        class _Callback(Callback):
            def on_trial_complete(self, iteration, trials, trial, **info):
                from augmentlab.search.study import trial_records

                display.trial_done(trial_records(study, plan, space))

        return _Callback()
