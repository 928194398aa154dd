"""Did the search find anything? Its policy against each free baseline, judged fairly.

A search retrains its winner next to the free baselines (none, RandAugment, TrivialAugment
and each data kind's equivalents) on the same seeds. Comparing it with several of them at
once raises the chance that one difference looks real by luck, so each paired test
difference gets a Holm-adjusted interval and p-value: the k-th smallest of m p-values is
judged at level 0.05 / (m - k + 1). And since the winner was picked for its validation
score, a free baseline that validation cannot tell from it is chosen instead: it costs
nothing to find and is not flattered by the choosing.
"""

from __future__ import annotations

import math

from augmentlab.train.stats import paired, standard_error, summarize

ALPHA = 0.05


def _t_test(diffs: list[float]) -> tuple[float, float, float] | None:
    """``(mean, standard error, two-sided p)`` of the paired differences; None for fewer
    than two or a zero spread with a zero mean."""
    n = len(diffs)
    if n < 2:
        return None
    s = summarize(diffs)
    se = standard_error(s)
    if se == 0:
        return s["mean"], 0.0, (1.0 if s["mean"] == 0 else 0.0)
    from scipy.special import stdtr

    return s["mean"], se, float(2 * stdtr(n - 1, -abs(s["mean"]) / se))


def holm_versus(ours: list[float], others: dict[str, list[float]]) -> dict:
    """For each name in ``others``: our score minus theirs on the shared seeds (the first
    ``min`` of both), with a Holm-adjusted confidence interval and p-value."""
    from scipy.special import stdtrit

    tests = {}
    for name, theirs in others.items():
        k = min(len(ours), len(theirs))
        diffs = [a - b for a, b in zip(ours[:k], theirs[:k])]
        tests[name] = (diffs, _t_test(diffs))
    ranked = sorted((t[2], name) for name, (_, t) in tests.items() if t is not None)
    m = len(ranked)
    out, running = {}, 0.0
    for rank, (p, name) in enumerate(ranked):
        diffs, (mean, se, _) = tests[name]
        running = max(running, min(1.0, (m - rank) * p))  # step-down: adjusted p-values never fall
        level = 1 - ALPHA / (m - rank)
        half = float(stdtrit(len(diffs) - 1, 1 - (1 - level) / 2)) * se
        out[name] = {"difference": mean, "ci_holm": [mean - half, mean + half], "level": level, "p_holm": running,
                     "seeds": len(diffs), "distinguishable": running < ALPHA}
    for name, (diffs, t) in tests.items():
        if t is None:
            out[name] = {"difference": sum(diffs) / len(diffs) if diffs else None, "ci_holm": None, "level": None, "p_holm": None,
                         "seeds": len(diffs), "distinguishable": None}
    return {name: out[name] for name in others}


def verdict(versus: dict, names: dict[str, str], dropped_after: int | None = None, dropped_reason: str = "behind") -> str:
    """One plain sentence on what the search found against the free baselines that
    augment (``names``: key -> how to call it). ``dropped_after``: the seeds the search's
    policy ran before the race stopped it (None: it ran them all), because it fell behind
    a free arm on validation (``dropped_reason`` "behind") or no score on the last seed
    could have made it the choice ("cannot_win")."""
    free = {k: v for k, v in versus.items() if k != "none"}
    if not free:
        return "there is no free augmentation baseline for this data to compare with"
    if dropped_after == 1:  # one seed by the race's choice, not the user's: more seeds would not help
        if dropped_reason == "cannot_win":
            return ("no score on its second seed could have made the searched policy the choice on validation, "
                    "so it was not retrained further")
        return "the searched policy fell behind a free baseline on validation after one seed and was not retrained further"
    if any(v["distinguishable"] is None for v in free.values()):
        return "with one seed, nothing can be told apart: retrain on more seeds (--seeds) to judge the search"
    better = [names[k] for k, v in free.items() if v["distinguishable"] and v["difference"] > 0]
    worse = [names[k] for k, v in free.items() if v["distinguishable"] and v["difference"] < 0]
    tied = [names[k] for k, v in free.items() if not v["distinguishable"]]
    parts = []
    if tied:
        parts.append(f"no policy was distinguishable from {' or '.join(tied)} at this budget")
    if better:
        parts.append(f"the searched policy beat {' and '.join(better)}")
    if worse:
        parts.append(f"the searched policy did worse than {' and '.join(worse)}")
    return "; ".join(parts) + " (Holm-adjusted 95% intervals of the paired test difference)"


def cheapest_tied(candidates: list[str], val_runs: dict[str, list[float]]) -> str:
    """The first of ``candidates`` (cheapest first) that validation cannot tell from the
    best: the paired 95% CI of its difference to the best includes zero. With one seed,
    the best itself (ties going to the cheaper)."""
    means = {k: sum(v) / len(v) for k, v in val_runs.items()}
    best = max(candidates, key=lambda k: (means[k], -candidates.index(k)))
    for k in candidates:
        if k == best:
            return best
        n = min(len(val_runs[k]), len(val_runs[best]))
        diff = paired(val_runs[best][:n], val_runs[k][:n])
        if diff["ci95"] is not None and diff["ci95"][1] >= 0:  # k is not significantly below the best
            return k
    return best


def could_be_chosen(candidates: list[str], val_runs: dict[str, list[float]], name: str) -> bool:
    """Could ``name``, the last of ``candidates`` and one seed short of the others, be what
    ``cheapest_tied`` picks, whatever validation score in [0, 1] it gets on that seed?

    It is picked only if every cheaper candidate k is significantly below it: the paired
    95% t-interval of its differences to k lies above zero. With the missing difference
    ``u`` (its score less k's on that seed), known differences summing to S with squares
    summing to Q over n seeds in all, and t the interval's quantile, that is
    ``S + u > 0`` and ``(S + u)^2 (n - 1 + t^2) / n > t^2 (Q + u^2)``: a quadratic in u
    with a negative leading term, so one interval of scores for each k. The answer is
    True when those intervals and [0, 1] meet (widened a little: a needless run costs
    time, a skipped one that could have won would cost the answer)."""
    from scipy.special import stdtrit

    mine = val_runs[name]
    n = len(mine) + 1
    if n < 2 or any(v is None for k in candidates for v in val_runs[k]):
        return True
    t2 = float(stdtrit(n - 1, 0.975)) ** 2
    c = (n - 1 + t2) / n
    low, high = 0.0, 1.0
    for k in candidates[: candidates.index(name)]:
        theirs = val_runs[k]
        if len(theirs) < n:
            return True
        known = [a - b for a, b in zip(mine, theirs[: n - 1])]
        S, Q = sum(known), sum(d * d for d in known)
        A, B, C = c - t2, 2 * c * S, c * S * S - t2 * Q  # A < 0 for every n >= 2
        disc = B * B - 4 * A * C
        if disc < 0:
            return False  # no score on the last seed makes it significantly ahead of k
        roots = sorted(((-B - math.sqrt(disc)) / (2 * A), (-B + math.sqrt(disc)) / (2 * A)))
        u_low = max(roots[0], -S)  # and a positive mean difference
        low, high = max(low, theirs[n - 1] + u_low - 1e-9), min(high, theirs[n - 1] + roots[1] + 1e-9)
    return low <= high
