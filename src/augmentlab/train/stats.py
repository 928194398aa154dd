"""Summaries over seeds: mean, sample standard deviation and a t-distribution 95% CI."""

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
    from scipy.special import stdtrit  # the t quantile; scipy.stats would add 1.5 s to every command's start

    half = float(stdtrit(n - 1, 0.975)) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci95": [mean - half, mean + half], "n": n}


def paired(a: list[float], b: list[float]) -> dict:
    """The paired difference ``b - a`` over seeds, summarised."""
    return summarize([y - x for x, y in zip(a, b)])
