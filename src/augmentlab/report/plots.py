"""Matplotlib figures for run records, written atomically as PNG."""

from __future__ import annotations

from pathlib import Path

from augmentlab.io_atomic import atomic_path
from augmentlab.report.numbers import METRIC_NAMES, metric_name


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def strength_curve(result: dict, out: str | Path, title: str = "", replace: bool = False) -> None:
    """Accuracy against magnitude: train, validation and test means with ±1 std bands,
    the sweet spot (chosen on validation) and the overdone region."""
    from augmentlab.report.console import chosen_value, sweep_axis

    plt = _figure()
    pts = result["points"]
    axis, _ = sweep_axis(result)
    ms = [p[axis] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for key, label, colour in (("train_accuracy", "train", "tab:gray"), ("val_accuracy", "validation", "tab:blue"),
                               ("test_accuracy", "test", "tab:orange")):
        mean = [100 * p[key]["mean"] for p in pts]
        std = [100 * (p[key]["std"] or 0.0) for p in pts]  # one seed: no band
        ax.plot(ms, mean, marker="o", label=label, color=colour)
        ax.fill_between(ms, [a - b for a, b in zip(mean, std)], [a + b for a, b in zip(mean, std)], color=colour, alpha=0.15)
    best, chosen = result[f"best_{axis}"], chosen_value(result)
    short = "m" if axis == "magnitude" else "ratio"
    ax.axvline(chosen, color="tab:green", linestyle="--", label=f"sweet spot {short}={chosen:g}" + (" (one-SE rule)" if chosen != best else ""))
    if chosen != best:
        ax.axvline(best, color="tab:blue", linestyle=":", label=f"best on validation {short}={best:g}")
    if result.get("overdone_from") is not None:
        ax.axvspan(result["overdone_from"], max(ms), color="tab:red", alpha=0.08, label=f"overdone from {short}={result['overdone_from']:g}")
    ax.set_xlabel("magnitude m" if axis == "magnitude" else "synthetic images per real image")
    name = metric_name(result)
    ax.set_ylabel(f"{name} (%)")
    ax.set_title(title or f"{name} against augmentation strength")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    save(fig, out, replace)


def learning_curves(curves: dict[str, list[dict]], out: str | Path, title: str = "", replace: bool = False) -> None:
    """Training loss against step for each labelled run."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for label, history in curves.items():
        ax.plot([h["step"] for h in history], [h["loss"] for h in history], label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax.set_title(title or "learning curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, out, replace)


def adaptive_trajectory(results: dict, out: str | Path, title: str = "", replace: bool = False) -> None:
    """The adapted magnitude against step for every seed, with the fixed magnitude for
    reference, and the signal that drove it."""
    plt = _figure()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), dpi=120, sharex=True)
    for run in results["adaptive"]["runs"]:
        path = run["adaptive"]
        top.plot([p["step"] for p in path], [p["magnitude"] for p in path], label=f"seed {run['seed']}")
        bottom.plot([p["step"] for p in path[1:]], [p["signal"] for p in path[1:]], alpha=0.7)
    fixed = results.get("fixed_magnitude_from_sweep", {}).get("magnitude")
    if fixed is not None:
        top.axhline(fixed, color="tab:green", linestyle="--", label=f"best fixed m={fixed:g} (sweep)")
    config = results["adaptive"]["config"]
    bottom.axhline(config["target"] if config["target"] is not None else (0.6 if config["signal"] == "rt" else 0.0),
                   color="k", linestyle=":", label="target")
    top.set_ylabel("magnitude m")
    bottom.set_ylabel(f"signal ({config['signal']})")
    bottom.set_xlabel("step")
    top.set_title(title or "adaptive strength")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, out, replace)


def save(fig, out: str | Path, replace: bool = False) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(out, replace=replace) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def search_plots(trials: list[dict], out_dir: str | Path, metric: str = "accuracy") -> dict[str, str]:
    """The search's history (validation accuracy per trial, best so far) and parameter
    importances as PNGs, drawn from the stored trial records (``results["trial_history"]``).
    Importances need at least two finished trials that differ; when a figure cannot be
    drawn the reason is returned in place of a file name."""
    written = {}
    for name, draw in (("history", _history_figure), ("importance", _importance_figure)):
        try:
            fig = draw(trials, METRIC_NAMES.get(metric, metric))
        except ValueError as e:
            written[name] = f"not drawn: {e}"
            continue
        path = Path(out_dir) / f"search_{name}.png"
        fig.tight_layout()
        with atomic_path(path, replace=True) as tmp:  # in our own run directory
            fig.savefig(tmp, format="png", dpi=120)
        _figure().close(fig)
        written[name] = path.name
    return written


def _finished(trials: list[dict]) -> list[dict]:
    return [t for t in trials if t["finished"] and t["duplicate_of"] is None and t["val_accuracy"] is not None]


def _history_figure(trials: list[dict], metric: str = "accuracy"):
    scored = [t for t in trials if t["val_accuracy"] is not None]
    if not scored:
        raise ValueError("no trial has a validation accuracy")
    plt = _figure()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for done, label, marker in ((True, "ran to the end", "o"), (False, "stopped early (its last rung)", "x")):
        pts = [t for t in scored if t["finished"] == done]
        ax.scatter([t["number"] for t in pts], [100 * t["val_accuracy"] for t in pts], marker=marker, label=label)
    best, xs, ys = None, [], []
    for t in sorted(_finished(trials), key=lambda t: t["number"]):
        best = t["val_accuracy"] if best is None else max(best, t["val_accuracy"])
        xs.append(t["number"])
        ys.append(100 * best)
    if xs:
        ax.step(xs, ys, where="post", color="tab:red", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"validation {metric} (%)")
    ax.set_title("Search history")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def _importance_figure(trials: list[dict], metric: str = "accuracy"):
    """Each parameter's share of a random forest's impurity decrease in predicting a
    finished trial's validation accuracy from its parameters (the fANOVA idea Optuna uses)."""
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor

    done = _finished(trials)
    names = sorted({k for t in done for k in t["params"]})
    if len(done) < 2 or not names:
        raise ValueError("needs at least two finished trials")
    columns = []
    for name in names:  # categories as their order of first appearance; missing as -1
        values = [t["params"].get(name) for t in done]
        codes = {v: i for i, v in enumerate(dict.fromkeys(v for v in values if not isinstance(v, (int, float)) or isinstance(v, bool)))}
        columns.append([-1.0 if v is None else float(codes[v]) if v in codes else float(v) for v in values])
    x = np.array(columns).T
    y = np.array([t["val_accuracy"] for t in done])
    if np.ptp(y) == 0 or not np.ptp(x, axis=0).any():
        raise ValueError("the finished trials do not differ")
    forest = RandomForestRegressor(n_estimators=64, max_depth=64, random_state=0).fit(x, y)
    order = np.argsort(forest.feature_importances_)
    plt = _figure()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.barh([names[i] for i in order], forest.feature_importances_[order])
    ax.set_xlabel(f"importance for validation {metric} (share of the forest's impurity decrease)")
    ax.set_title(f"Parameter importance over {len(done)} finished trials")
    return fig
