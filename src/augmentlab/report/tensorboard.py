"""TensorBoard event files for a lab run: one TensorBoard run per arm and seed, named
``<arm>/seed<k>`` under a folder named like the run directory, so arms and seeds compare
side by side. Scalars: the training loss and validation metric along each run's history,
the adaptive magnitude, the run's train, validation and test metric, and a search's
trial values; images: a preview of each arm's policy where the data's preview is a figure.

The files are written from the run records when the command finishes (every number comes
from the same records as the JSON), through ``torch.utils.tensorboard`` (the
``tensorboard`` extra).
"""

from __future__ import annotations

from pathlib import Path

from augmentlab.errors import AugmentlabError


def _writer(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise AugmentlabError("--tensorboard needs the tensorboard package: pip install 'augmentlab[tensorboard]'") from None
    return SummaryWriter(log_dir=str(folder))


def arms_of(command: str, results: dict) -> dict[str, dict]:
    """Each arm's record (with its ``runs``) by a name fit for a folder."""
    if command == "evaluate":
        return {name: results[name] for name in ("baseline", "augmented", "adaptive", "synthetic") if name in results}
    if command == "sweep":
        axis = results.get("axis", "magnitude")
        return {f"{axis}={p[axis]:g}": p for p in results["points"]}
    return {}


def write_run(writer, run: dict, metric: str) -> None:
    for entry in run.get("history", []):
        if "loss" in entry:
            writer.add_scalar("train/loss", entry["loss"], entry["step"])
        if "val_accuracy" in entry:
            writer.add_scalar(f"val/{metric}", entry["val_accuracy"], entry["step"])
    for entry in run.get("adaptive", []):
        writer.add_scalar("adaptive/magnitude", entry["magnitude"], entry["step"])
    last = max([e["step"] for e in run.get("history", [])] or [0])
    for split in ("train", "val", "test"):
        if run.get(f"{split}_accuracy") is not None:
            writer.add_scalar(f"final/{split}_{metric}", run[f"{split}_accuracy"], last)


def write_tensorboard(folder: Path, name: str, command: str, results: dict, previews: dict | None = None) -> Path:
    """Event files for ``results`` of ``command`` under ``folder/name``; ``previews``: an
    HWC uint8 image per arm name. Returns the folder written."""
    root = Path(folder) / name
    metric = results.get("metric", "accuracy")
    for arm, record in arms_of(command, results).items():
        for run in record.get("runs", []):
            writer = _writer(root / arm / f"seed{run['seed']}")
            write_run(writer, run, metric)
            if previews and arm in previews and run is record["runs"][0]:
                writer.add_image("preview", previews[arm], 0, dataformats="HWC")
            writer.close()
    if command == "search":
        writer = _writer(root / "trials")
        for trial in results.get("trial_history", []):
            if trial.get("val_accuracy") is not None:
                writer.add_scalar(f"trial/val_{metric}", trial["val_accuracy"], trial["number"])
        writer.close()
        for arm, record in {"search": results["search_best"], **results["baselines"]}.items():
            writer = _writer(root / arm)
            for split in ("val", "test"):
                writer.add_scalar(f"final/{split}_{metric}", record[f"{split}_accuracy"]["mean"], 0)
            writer.close()
    return root
