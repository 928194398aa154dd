"""Strength sweeps: accuracy against magnitude, the sweet spot (chosen on validation) and
the point from which augmentation is overdone."""

from __future__ import annotations

import time
from dataclasses import asdict

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.options import number_list
from augmentlab.policy.magnitude import with_magnitude
from augmentlab.train.protocol import Protocol, attack_of, make_splits, metric_of, run_once
from augmentlab.train.stats import paired, standard_error, summarize_score


def parse_magnitudes(text: str) -> list[float]:
    values = number_list(text, "magnitudes", float, "0,0.1,0.3", low=0.0, high=1.0)
    if len(set(values)) != len(values):
        raise AugmentlabError(f"magnitudes {text!r} repeats a value", field="magnitudes")
    return sorted(values)


def sweep(ds: Dataset, policy, magnitudes: list[float], protocol: Protocol, test: Dataset | None = None, progress=None) -> dict:
    """Train at every magnitude on seeds 0..K-1 (each seed's splits shared by all
    magnitudes); pick the best on validation and find where it becomes overdone."""
    return sweep_axis("magnitude", {m: with_magnitude(policy, m) for m in magnitudes}, ds, protocol, test, progress)


def sweep_synthetic(ds: Dataset, policy, source, ratios: list[float], protocol: Protocol, test: Dataset | None = None,
                    progress=None) -> dict:
    """The same curve over the ratio of synthetic to real training images (``source``: a
    ``SyntheticSource``), at a fixed policy; ratio 0 is real images only."""
    from augmentlab.synth.fusion import Fused

    source.check_covers(ds, protocol, test is not None)
    # the largest ratio first: its draw serves every smaller ratio of the same seed
    arms = {r: Fused(policy, source, r) for r in sorted(ratios, reverse=True)}
    result = sweep_axis("ratio", arms, ds, protocol, test, progress)
    result["model"], result["checkpoints"] = source.model, [str(p) for p in source.paths]
    return result


def sweep_axis(axis: str, policies: dict, ds: Dataset, protocol: Protocol, test: Dataset | None, progress) -> dict:
    """Every policy (keyed by its value on ``axis``) on seeds 0..K-1, sharing each seed's
    splits; the best value on validation (ties go to the smaller) and where it is overdone."""
    protocol.check(ds, test)
    start = time.perf_counter()
    runs = {v: [] for v in policies}
    attack = attack_of(getattr(p, "policy", p) for p in policies.values())
    for seed in range(protocol.seeds):
        splits = make_splits(ds.labels, protocol, seed, external_test=test is not None, groups=ds.groups)
        for v, pol in policies.items():
            runs[v].append(run_once(ds, splits, pol, protocol, seed, test, attack))
            if progress:
                progress(1)
    points = [{
        axis: v,
        "val_accuracy": summarize_score([r["val_accuracy"] for r in runs[v]]),
        "test_accuracy": summarize_score([r["test_accuracy"] for r in runs[v]]),
        "train_accuracy": summarize_score([r["train_accuracy"] for r in runs[v]]),
        "runs": runs[v],
    } for v in sorted(policies)]
    best = max(points, key=lambda p: (p["val_accuracy"]["mean"], -p[axis]))
    chosen, rule = one_standard_error(points, best[axis], axis)
    return {
        "protocol": asdict(protocol),
        "metric": metric_of(ds, protocol),
        "axis": axis,
        "points": points,
        f"best_{axis}": best[axis],
        f"chosen_{axis}": chosen,
        "chosen_by": rule,
        "overdone_from": overdone_from(points, best[axis], axis),
        "seconds": time.perf_counter() - start,
    }


def one_standard_error(points: list[dict], best_value: float, axis: str = "magnitude") -> tuple[float, str]:
    """The one-standard-error rule: the smallest value whose validation score is within
    one standard error of the best's, the error being that of the paired (same seeds)
    difference to the best. On a flat curve the best is often noise; the smallest value
    that cannot be told from it is the cheaper, safer choice. Returns the value and a
    sentence saying why."""
    best = next(p for p in points if p[axis] == best_value)
    best_val = [r["val_accuracy"] for r in best["runs"]]
    if best_value == min(p[axis] for p in points):
        return best_value, f"the best {axis} on validation, and the smallest tried"
    if len(best_val) < 2:
        return best_value, f"the best {axis} on validation (one seed: no standard error to judge a tie by)"
    for p in sorted(points, key=lambda p: p[axis]):
        if p[axis] >= best_value:
            break
        diff = paired(best_val, [r["val_accuracy"] for r in p["runs"]])
        se = standard_error(diff)
        if diff["mean"] >= -se:
            return p[axis], (f"the smallest {axis} within one standard error of the best ({best_value:g}) on validation: "
                             f"{-100 * diff['mean']:.2f} points below it, one SE {100 * se:.2f}")
    return best_value, f"the best {axis} on validation: every smaller {axis} is more than one standard error below it"


def overdone_from(points: list[dict], best_value: float, axis: str = "magnitude"):
    """The smallest value above the best whose validation accuracy is significantly
    below the best's: the 95% CI of the paired (same seeds) difference lies below zero."""
    best = next(p for p in points if p[axis] == best_value)
    best_val = [r["val_accuracy"] for r in best["runs"]]
    for p in points:
        if p[axis] <= best_value:
            continue
        diff = paired(best_val, [r["val_accuracy"] for r in p["runs"]])
        if diff["n"] > 1 and diff["ci95"][1] < 0:
            return p[axis]
    return None
