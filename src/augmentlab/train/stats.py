"""Summaries over seeds: mean, sample standard deviation and a t-distribution 95% CI.

Scores in [0, 1] (accuracy, balanced accuracy, PR-AUC, mIoU, ...) get their interval on
the logit scale, mapped back (``summarize_score``), so it never runs past 0 or 1; paired
differences keep the plain t-interval (``paired``)."""

from __future__ import annotations

import math


def summarize(values: list[float]) -> dict:
    """``{mean, std, ci95: [low, high], n}``; with one value the spread is undefined, so
    ``std`` and ``ci95`` are None (never a zero-width interval)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return {"mean": mean, "std": None, "ci95": None, "n": n}
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_halfwidth(std, n)  # scipy.special's t quantile; scipy.stats would add 1.5 s to every command's start
    return {"mean": mean, "std": std, "ci95": [mean - half, mean + half], "n": n}


# scores are clipped this far inside (0, 1) before the logit: a run at exactly 100% has
# an interval that reaches 1 - 1e-6, not an infinite one
SCORE_EDGE = 1e-6


def summarize_score(values: list[float]) -> dict:
    """``summarize`` for scores in [0, 1]: the same mean and spread, and a 95% interval
    that stays inside [0, 1] (a t-interval of the logits, mapped back; ``scale`` says so)."""
    out = summarize(values)
    if out["ci95"] is None:
        return {**out, "scale": "logit"}
    edge = lambda v: min(max(v, SCORE_EDGE), 1.0 - SCORE_EDGE)  # noqa: E731
    logits = summarize([math.log(edge(v) / (1.0 - edge(v))) for v in values])
    low, high = (1.0 / (1.0 + math.exp(-z)) for z in logits["ci95"])
    return {**out, "ci95": [min(low, out["mean"]), max(high, out["mean"])], "scale": "logit"}


def standard_error(summary: dict) -> float | None:
    """The standard error of a summary's mean (None with one value)."""
    return None if summary["std"] is None else summary["std"] / math.sqrt(summary["n"])


def t_halfwidth(std: float, n: int) -> float:
    """The 95% t-interval's half-width for ``n`` values of standard deviation ``std``."""
    from scipy.special import stdtrit

    return float(stdtrit(n - 1, 0.975)) * std / math.sqrt(n)


def seeds_for_halfwidth(std: float | None, target: float, most: int = 10_000) -> int | None:
    """About how many seeds would give a 95% CI half-width of ``target`` if the spread
    stayed ``std``: the smallest n >= 2 with t(n-1) * std / sqrt(n) <= target (None
    without a spread; ``most`` when even that many would not do)."""
    if std is None:
        return None
    n = 2
    while n < most and t_halfwidth(std, n) > target:
        n += 1
    return n


def paired(a: list[float], b: list[float]) -> dict:
    """The paired difference ``b - a`` over seeds, summarised."""
    return summarize([y - x for x, y in zip(a, b)])
