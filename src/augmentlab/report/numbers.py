"""Summaries over seeds as text. With one seed the spread is undefined: it is said so,
never shown as a zero-width interval."""

from __future__ import annotations

ONE_SEED = "one seed: no spread"
# how a result's ``metric`` is shown (every metric is a share, printed as a percentage)
METRIC_NAMES = {"accuracy": "accuracy", "miou": "mIoU", "ap50": "AP50"}


def metric_name(results: dict) -> str:
    """The score a run reports, by name: accuracy, mIoU or AP50 (older results: accuracy)."""
    return METRIC_NAMES.get(results.get("metric", "accuracy"), str(results.get("metric")))


def spread(s: dict, scale: float = 100.0, digits: int = 1) -> str:
    """``mean ± std`` (``mean (one seed: no spread)`` for one value)."""
    if s.get("std") is None:
        return f"{scale * s['mean']:.{digits}f} ({ONE_SEED})"
    return f"{scale * s['mean']:.{digits}f} ± {scale * s['std']:.{digits}f}"


def interval(s: dict, scale: float = 100.0, signed: bool = False) -> str:
    """``[low, high]``, the 95% CI (``[no CI: one seed]`` for one value)."""
    if s.get("ci95") is None:
        return "[no CI: one seed]"
    sign = "+" if signed else ""
    return f"[{scale * s['ci95'][0]:{sign}.1f}, {scale * s['ci95'][1]:{sign}.1f}]"


def with_interval(s: dict, scale: float = 100.0) -> str:
    """``mean ± std [low, high]``, or the mean alone, marked, for one value."""
    if s.get("std") is None:
        return spread(s, scale)
    return f"{spread(s, scale)} {interval(s, scale)}"
