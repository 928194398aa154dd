"""Strength sweeps: accuracy against magnitude, the sweet spot (chosen on validation) and
the point from which augmentation is overdone."""

from __future__ import annotations

import time
from dataclasses import asdict

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.options import number_list
from augmentlab.policy.magnitude import with_magnitude
from augmentlab.train.protocol import Protocol, attack_of, make_splits, run_once
from augmentlab.train.stats import paired, summarize


def parse_magnitudes(text: str) -> list[float]:
    values = number_list(text, "--magnitudes", float, "0,0.1,0.3")
    bad = [v for v in values if not 0.0 <= v <= 1.0]
    if bad:
        raise AugmentlabError(f"--magnitudes: {bad[0]} is out of range; expected numbers in [0, 1]")
    if len(set(values)) != len(values):
        raise AugmentlabError(f"--magnitudes {text!r} repeats a value")
    return sorted(values)


def sweep(ds: Dataset, policy, magnitudes: list[float], protocol: Protocol, test: Dataset | None = None, progress=None) -> dict:
    """Train at every magnitude on seeds 0..K-1 (each seed's splits shared by all
    magnitudes); pick the best on validation and find where it becomes overdone."""
    protocol.check(ds, test)
    policies = {m: with_magnitude(policy, m) for m in magnitudes}
    start = time.perf_counter()
    runs = {m: [] for m in magnitudes}
    attack = attack_of(policies.values())
    for seed in range(protocol.seeds):
        splits = make_splits(ds.labels, protocol, seed, external_test=test is not None)
        for m in magnitudes:
            runs[m].append(run_once(ds, splits, policies[m], protocol, seed, test, attack))
            if progress:
                progress(1)
    points = [{
        "magnitude": m,
        "val_accuracy": summarize([r["val_accuracy"] for r in runs[m]]),
        "test_accuracy": summarize([r["test_accuracy"] for r in runs[m]]),
        "train_accuracy": summarize([r["train_accuracy"] for r in runs[m]]),
        "runs": runs[m],
    } for m in magnitudes]
    best = max(points, key=lambda p: (p["val_accuracy"]["mean"], -p["magnitude"]))
    return {
        "protocol": asdict(protocol),
        "points": points,
        "best_magnitude": best["magnitude"],
        "overdone_from": overdone_from(points, best["magnitude"]),
        "seconds": time.perf_counter() - start,
    }


def overdone_from(points: list[dict], best_magnitude: float):
    """The smallest magnitude above the best whose validation accuracy is significantly
    below the best's: the 95% CI of the paired (same seeds) difference lies below zero."""
    best = next(p for p in points if p["magnitude"] == best_magnitude)
    best_val = [r["val_accuracy"] for r in best["runs"]]
    for p in points:
        if p["magnitude"] <= best_magnitude:
            continue
        diff = paired(best_val, [r["val_accuracy"] for r in p["runs"]])
        if diff["n"] > 1 and diff["ci95"][1] < 0:
            return p["magnitude"]
    return None
