"""The live view of a search: trials done out of the budget, time left, the best so far and
the latest trials; then the retraining of the winner and the baselines."""

from __future__ import annotations

from rich.console import Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

LATEST = 8


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class SearchDisplay:
    def __init__(self, console=None):
        self.progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
        self.trials: list[dict] = []
        self.search_task = self.retrain_task = None
        # started with the first trial, so a run that fails its checks prints only its error
        self.live = Live(self._render(), console=console, refresh_per_second=4, transient=False)
        self.started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.started:
            self.live.update(self._render())
            self.live.stop()
        return False

    def _render(self):
        table = Table(title=self._best_line(), title_justify="left", expand=False)
        for col in ("trial", "rungs", "val acc", "policy"):
            table.add_column(col)
        for t in self.trials[-LATEST:]:
            status = "done" if t["finished"] else "pruned"
            status = "repeat" if t.get("duplicate_of") is not None else status
            # a trial Ray stopped before it reported has no score
            score = "-" if t["val_accuracy"] is None else f"{100 * t['val_accuracy']:.1f}%"
            table.add_row(str(t["number"]), f"{t['rungs']} ({status})", score, _short(t["policy"] or ""))
        return Group(self.progress, table)

    def _best_line(self) -> str:
        finished = [t for t in self.trials if t["finished"] and t["val_accuracy"] is not None]
        if not finished:
            return "best so far: -"
        best = max(finished, key=lambda t: t["val_accuracy"])
        return f"best so far: {100 * best['val_accuracy']:.1f}% val (trial {best['number']}): {_short(best['policy'])}"

    def start_search(self, budget: int, done: int, trials: list[dict]) -> None:
        self.trials = trials
        self.search_task = self.progress.add_task("trials", total=budget, completed=min(done, budget))
        self.live.start()
        self.started = True
        self.live.update(self._render())

    def trial_done(self, trials: list[dict]) -> None:
        self.trials = trials
        self.progress.update(self.search_task, completed=len(trials))
        self.live.update(self._render())

    def start_retrain(self, total: int) -> None:
        self.retrain_task = self.progress.add_task("best and baselines on K seeds", total=total)
        self.live.update(self._render())

    def advance_retrain(self, n: int) -> None:
        self.progress.advance(self.retrain_task, n)
