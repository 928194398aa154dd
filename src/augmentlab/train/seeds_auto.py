"""``--seeds auto``: add seeds until the lift is settled.

Three seeds often give a lift whose 95% CI straddles zero and spans several points. Here
seeds are added one at a time (every earlier run kept) until the CI excludes zero, or its
half-width reaches the target, or the seed budget is spent; the rule and why it stopped
go into the run record. Stopping when the CI first excludes zero makes that CI somewhat
optimistic (a sequential test would widen it); the record says how many looks were taken.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from augmentlab.errors import AugmentlabError
from augmentlab.train.protocol import Protocol, evaluate
from augmentlab.values import check_number

START = 3  # seeds before the first look: fewer give no usable spread


@dataclass(frozen=True)
class SeedRule:
    target_halfwidth: float  # of the lift's 95% CI, as a fraction (0.01: one point)
    max_seeds: int = 10

    def check(self) -> None:
        check_number(self.target_halfwidth, "target_halfwidth", low=0.0, low_open=True, high=1.0)
        check_number(self.max_seeds, "max_seeds", low=2, integer=True)

    def stop_reason(self, lift: dict, seeds: int) -> str | None:
        """Why seeds can stop being added after ``seeds`` of them, or None to go on."""
        ci = lift.get("ci95")
        if ci is not None and (ci[0] > 0 or ci[1] < 0):
            return f"the lift's 95% CI excludes zero after {seeds} seeds"
        if ci is not None and (ci[1] - ci[0]) / 2 <= self.target_halfwidth:
            return f"the lift's 95% CI half-width reached {100 * self.target_halfwidth:g} points after {seeds} seeds"
        if seeds >= self.max_seeds:
            return f"--max-seeds {self.max_seeds} reached without either"
        return None


class _Runs:
    """Runs by (arm, seed), kept across looks; each new one advances the progress bar."""

    def __init__(self, progress):
        self.store: dict[tuple[str, int], dict] = {}
        self.progress = progress

    def get(self, name: str, seed: int):
        return self.store.get((name, seed))

    def put(self, name: str, seed: int, run: dict) -> None:
        self.store[(name, seed)] = run
        if self.progress:
            self.progress(1)


def evaluate_until(ds, policy, protocol: Protocol, rule: SeedRule, test=None, progress=None, **options) -> dict:
    """``evaluate`` with seeds added one at a time from ``START`` until ``rule`` stops;
    the result records the rule, each look's lift and why it stopped."""
    rule.check()
    if options.get("adaptive") or options.get("synthetic") is not None:
        raise AugmentlabError("seeds auto judges the lift of one policy over the baseline; run adaptive or synthetic arms "
                              "with a fixed number of seeds", field="seeds")
    runs, looks = _Runs(progress), []
    seeds = min(START, rule.max_seeds)
    while True:
        result = evaluate(ds, policy, replace(protocol, seeds=seeds), test, None, cache=runs,
                          target_halfwidth=rule.target_halfwidth, **options)
        lift = result["lift"]
        looks.append({"seeds": seeds, "mean": lift["mean"], "ci95": lift["ci95"]})
        reason = rule.stop_reason(lift, seeds)
        if reason is not None:
            break
        seeds += 1
    result["seeds_rule"] = {**asdict(rule), "start": min(START, rule.max_seeds), "seeds": seeds, "stopped_because": reason,
                            "looks": looks,
                            "rule": "add one seed at a time until the lift's 95% CI excludes zero, its half-width reaches "
                                    "target_halfwidth, or max_seeds is reached"}
    return result
