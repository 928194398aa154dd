"""Matplotlib figures for run records, written atomically as PNG."""

from __future__ import annotations

from pathlib import Path

from augmentlab.io_atomic import atomic_path


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def strength_curve(result: dict, out: str | Path, title: str = "", replace: bool = False) -> None:
    """Accuracy against magnitude: train, validation and test means with ±1 std bands,
    the sweet spot (chosen on validation) and the overdone region."""
    from augmentlab.report.console import sweep_axis

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
    best = result[f"best_{axis}"]
    short = "m" if axis == "magnitude" else "ratio"
    ax.axvline(best, color="tab:green", linestyle="--", label=f"sweet spot {short}={best:g}")
    if result.get("overdone_from") is not None:
        ax.axvspan(result["overdone_from"], max(ms), color="tab:red", alpha=0.08, label=f"overdone from {short}={result['overdone_from']:g}")
    ax.set_xlabel("magnitude m" if axis == "magnitude" else "synthetic images per real image")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title or "accuracy against augmentation strength")
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


def search_plots(study, out_dir: str | Path) -> dict[str, str]:
    """Optuna's optimisation history and parameter importances as PNGs. Importances need
    at least two finished trials that differ; when they cannot be computed the reason is
    returned in place of a file name."""
    import warnings

    import optuna.visualization.matplotlib as ovm

    plt = _figure()
    written = {}
    for name, draw in (("history", ovm.plot_optimization_history), ("importance", ovm.plot_param_importances)):
        path = Path(out_dir) / f"search_{name}.png"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Optuna marks its matplotlib plots experimental
                ax = draw(study)
            fig = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
            fig.set_size_inches(7, 4.5)
            fig.tight_layout()
            with atomic_path(path, replace=True) as tmp:  # in our own run directory
                fig.savefig(tmp, format="png", dpi=120)
            plt.close(fig)
            written[name] = path.name
        except (ValueError, RuntimeError) as e:  # e.g. fewer than two finished trials
            written[name] = f"not drawn: {e}"
    return written
