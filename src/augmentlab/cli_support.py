"""Helpers the CLI modules share: progress bars, CPU settings, dataset identity, and the
options several commands take."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from augmentlab.errors import AugmentlabError
from augmentlab.values import check_seed

# Options that evaluate, sweep and search share (search has its own --copies default).
TENSORBOARD = typer.Option(None, "--tensorboard", help="Write TensorBoard event files here: one run per arm and seed "
                           "(loss, validation metric, adaptive magnitude, trial values, previews).")
DEVICE = typer.Option("cpu", "--device", help="Train and augment batches on cpu, cuda, cuda:N, mps or auto (CUDA when present); "
                      "images, audio and series. Recorded with every run.")
PRECISION = typer.Option("auto", "--precision", help="Images, audio and series: the training forward pass's number format: "
                         "fp32, bf16 (bfloat16 mixed precision) or auto (bf16 for the default image CNN on a CPU with native "
                         "bfloat16, fp32 elsewhere). Recorded with every run.")
WEIGHTS = typer.Option(None, "--weights", help="Safetensors weights the model starts from (a local file; nothing is downloaded).")
MODEL = typer.Option(None, "--model", help="Images: cnn, mlp or resnet (default: by size); or your own, package.module:factory "
                     "(on PYTHONPATH) or file.py:factory, factory(shape, num_classes) returning an nn.Module. "
                     "Text: minilm (default), tfidf, fasttext or textcnn. "
                     "Annotated images: unet (masks) or centernet (boxes), by task. Series: fcn (default) or resnet1d. "
                     "Tables: hgb (default), logistic or mlp.")
ALLOW_OVERLAP = typer.Option(False, "--allow-overlap", help="Run even when the test set shares items with the data "
                                                          "(refused by default; the run records the overlap).")
PER_CLASS = typer.Option(None, "--per-class", help="Training samples per class (the low-data regime).")
TRAIN_SIZE = typer.Option(None, "--train-size", help="Annotated images (COCO, YOLO, mask folders, canvas-seg/-det): training images "
                          "in all. Tables: training rows, drawn keeping the class ratio.")
STEPS = typer.Option(None, "--steps", help="Optimiser steps per training run [default: 800; annotated images 600].")
TEXT_COPIES = typer.Option(None, "--copies", help="Text: augmented copies per training sentence (default: the policy's, e.g. eda(copies=16), else 1).")
MIN_SIMILARITY = typer.Option(None, "--min-similarity", help="Text: drop copies whose embedding cosine similarity to the original is below this.")
FILTER_MODEL = typer.Option("minilm", "--filter-model", help="Text: the sentence-transformers model (hub name or local path) "
                            "--min-similarity embeds with; minilm is the packaged all-MiniLM-L6-v2.")
OVERWRITE = typer.Option(False, "--overwrite", help="Replace an existing output (only an earlier augmentlab output).")


def _mixed_sizes_value(ctx, param, value):
    if value not in ("resize", "reject"):
        raise AugmentlabError(f"--mixed-sizes {value!r}: expected resize or reject")
    return value


MIXED_SIZES = typer.Option("resize", "--mixed-sizes", callback=_mixed_sizes_value,
                           help="Samples unlike the rest (image sizes; audio sample rates and channel counts): "
                                "resize (resize, resample, mix down; with a note) or reject.")
LABEL_FROM = typer.Option(None, "--label-from", help="A flat folder whose file names carry the label (and group), "
                          "e.g. '{label}_{group}_{_}' for FSDD's 7_theo_12.wav; applies to --test too.")
TEST_GROUPS = typer.Option(None, "--test-groups", help="Comma-separated groups (from --label-from's {group}) held out "
                           "as the test set; train and validation come from the other groups.")
SAMPLE_RATE = typer.Option(None, "--sample-rate", help="Audio: resample every clip to this rate in Hz [default: the most common].")
DURATION = typer.Option(None, "--duration", help="Audio: pad or crop clips to this many seconds "
                        "[default: long enough for 99% of the clips, in tenths of a second].")


MISSING = typer.Option("refuse", "--missing", help="Series: missing values (? or NaN) are refused, kept as NaN (keep), "
                       "or filled linearly in time (interpolate).")


TARGET = typer.Option(None, "--target", help="Tables: the target column (naming it reads a .csv as a table).")
COLUMN_TYPES = typer.Option(None, "--column-types", help="Tables: declared column kinds, e.g. 'ccs=categorical,self=boolean' "
                            "(numeric, categorical or boolean; others are inferred).")
UNSEEN = typer.Option("refuse", "--unseen", help="Tables: a --test category the training data lacks is refused, or read as missing.")
MODALITY = typer.Option(None, "--modality", help="Read DATA as this kind (image, text, audio, annotated, series, table), "
                        "whichever reader would claim it.")
METRIC = typer.Option(None, "--metric", help="Tables: pr_auc, roc_auc, balanced_accuracy or accuracy "
                      "[default: pr_auc on two classes, balanced_accuracy on more].")


def read_options(mixed_sizes: str = "resize", label_from: str | None = None, sample_rate: int | None = None,
                 duration: float | None = None, missing: str = "refuse", target: str | None = None,
                 column_types: str | None = None, unseen: str = "refuse", modality: str | None = None):
    """The reading choices of a command's flags, checked (``ReadOptions``)."""
    from augmentlab.data.read_options import ReadOptions

    return ReadOptions(mixed_sizes, label_from, sample_rate, duration, missing, target, column_types, unseen, modality)


def parse_groups(text: str | None) -> tuple[str, ...] | None:
    """``--test-groups theo,lucas`` as a tuple of names (None when not given)."""
    if text is None:
        return None
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise AugmentlabError(f"--test-groups {text!r}: expected comma-separated group names, none empty")
    return names


def _seed_value(ctx, param, value):
    # every seed flag follows one rule, checked while the command line is parsed
    return value if value is None else check_seed(value, param.opts[0])


def seed_option(default: int = 0, flag: str = "--seed", help: str | None = None):
    """A seed option: an integer from 0 to 2^63-1."""
    return typer.Option(default, flag, help=help, callback=_seed_value)


def _load_config(ctx: typer.Context, param, value: Path | None):
    """Read ``--config FILE`` before any other option: its values become the command's
    defaults, so code defaults < the file < flags given on the command line."""
    if value is None:
        return None
    from augmentlab.data_files import read_data_file

    data = read_data_file(str(value), "--config")
    if not isinstance(data, dict):
        raise AugmentlabError(f"--config {value}: expected a mapping of option names to values; got {type(data).__name__}")
    options = {str(k).replace("-", "_"): v for k, v in data.items()}
    known = [p.name for p in ctx.command.params if p.name != "config"]
    unknown = [k for k in options if k not in known]
    if unknown:
        raise AugmentlabError(f"--config {value}: unknown option {unknown[0]!r}; {ctx.command.name} takes "
                              f"{', '.join(sorted(known))}"[:400])
    ctx.default_map = {**(ctx.default_map or {}), **options}
    return value


CONFIG = typer.Option(None, "--config", is_eager=True, callback=_load_config, expose_value=True,
                      help="YAML file of option values (per_class: 10, seeds: 5, ...); flags on the command line win. "
                           "Each run directory holds the resolved config.yaml.")


def resolved_options(params: dict) -> dict:
    """A command's options as they were resolved (defaults, then --config, then flags), in
    a form --config reads back."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in params.items() if k != "config"}


def progress_bar(total: int, label: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
    task = bar.add_task(label, total=total)

    def advance(n: int) -> None:
        raise_pending_exit()
        bar.advance(task, n)

    return bar, advance


# A signal's SystemExit is lost when it lands inside a C callback: numba's compiler calls
# back into Python while it writes its cache, and ctypes prints the exception and carries
# on. The request is kept here and raised again at the next progress step.
_pending_exit: int | None = None


def exit_on_signal(signum, frame) -> None:
    """SIGTERM (timeouts, docker stop, batch schedulers) unwinds like Ctrl-C, so every
    temporary output is removed on the way out."""
    global _pending_exit
    _pending_exit = 128 + signum
    raise SystemExit(_pending_exit)


def raise_pending_exit() -> None:
    if _pending_exit is not None:
        raise SystemExit(_pending_exit)


def quiet_lost_exit(unraisable) -> None:
    """``sys.unraisablehook``: a signal's exit lost in a callback is not an error to print
    (it is raised again); anything else is reported as Python would."""
    if isinstance(unraisable.exc_value, SystemExit) and _pending_exit is not None:
        return
    sys.__unraisablehook__(unraisable)


MAX_THREADS = 1024  # more is a typo, and torch would try to start them


def cpu_speed_settings(threads: int) -> None:
    """Pin the torch thread count (results are reproducible for a fixed count) and flush
    denormals, which avoids a 6x slowdown once losses approach zero."""
    import torch

    from augmentlab.values import check_number

    check_number(threads, "--threads", low=1, high=MAX_THREADS, integer=True)
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


class RunOutputs:
    """Where a lab command writes (the run directory's parent, ``--json``, ``--plot``),
    checked before any training, so a bad path never costs a run."""

    def __init__(self, runs: Path, inputs, overwrite: bool, json_out: Path | None = None, plot: Path | None = None,
                 options: dict | None = None):
        from augmentlab.outputs import check_output, check_parent, resolved

        self.options = resolved_options(options or {})  # written to each run directory as config.yaml
        self.runs = check_parent(runs, "--runs", inputs=inputs)
        self.json = check_output(json_out, "--json", inputs=inputs, overwrite=overwrite) if json_out is not None else None
        if plot is not None and plot.suffix.lower() != ".png":
            raise AugmentlabError(f"--plot {plot}: expected a .png file name")
        self.plot = check_output(plot, "--plot", inputs=inputs, overwrite=overwrite) if plot is not None else None
        if self.json and self.plot and self.json.path == self.plot.path:
            raise AugmentlabError(f"--json and --plot both name {resolved(plot)}; give two files")
        for flag, named in (("--json", self.json), ("--plot", self.plot)):
            if named is not None and named.path == self.runs:
                raise AugmentlabError(f"{flag} and --runs both name {named.path}; give a file name for {flag}")

    def write(self, command: str, config: dict, results: dict) -> Path:
        """A new run directory with the config and results, and ``--json``; returns it."""
        run_dir = self.new_dir(command)
        self.record(run_dir, command, config, results)
        return run_dir

    def new_dir(self, command: str) -> Path:
        from augmentlab.report.records import new_run_dir

        return new_run_dir(self.runs, command)

    def record(self, run_dir: Path, command: str, config: dict, results: dict) -> None:
        import yaml

        from augmentlab.io_atomic import atomic_path
        from augmentlab.report.records import write_json, write_run

        write_run(run_dir, command, config, results)
        with atomic_path(run_dir / "config.yaml", replace=True) as tmp:  # rerun with --config run_dir/config.yaml
            tmp.write_text(yaml.safe_dump(self.options, sort_keys=False), encoding="utf-8")
        if self.json is not None:
            write_json(self.json.path, results, replace=self.json.replace)


def split_paths(text: str | None) -> list[str]:
    """The paths in a comma-separated option (``--synthetic a.st,b.st``)."""
    return [p.strip() for p in text.split(",") if p.strip()] if text else []


def as_flags(error) -> str:
    """A library error's message with each field it names shown as the command's flag
    (``per_class`` -> ``--per-class``)."""
    import re

    message = str(error)
    for field in getattr(error, "fields", ()):
        flag = "--" + field.replace("_", "-")
        message = re.sub(rf"(?<![\w-]){re.escape(field)}(?![\w-])", flag, message, count=1)
    return message


def tensorboard_folder(folder: Path | None, inputs) -> Path | None:
    """``--tensorboard DIR`` checked before any training: a folder (new or existing, since
    TensorBoard folders collect many runs), apart from every input, in a place we may write."""
    if folder is None:
        return None
    from augmentlab.outputs import check_apart, check_writable_folder, resolved

    path = resolved(folder)
    if path.exists() and not path.is_dir():
        raise AugmentlabError(f"--tensorboard {folder}: is a file; expected a folder")
    check_apart(path, "--tensorboard", inputs, shown=str(folder))
    check_writable_folder(path, "--tensorboard", str(folder))
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise AugmentlabError("--tensorboard needs the tensorboard package: pip install 'augmentlab[tensorboard]'") from None
    return path


def write_tensorboard_for(folder: Path | None, run_dir: Path, command: str, results: dict, ds=None, arms: dict | None = None) -> None:
    """Event files for a finished lab command, with a preview of each arm's policy in
    ``arms`` where the data's preview is a figure."""
    if folder is None:
        return
    from augmentlab.preview import preview_style
    from augmentlab.report.tensorboard import write_tensorboard

    previews = {}
    for arm, policy in (arms or {}).items():
        shown = preview_style(ds).for_report(ds, policy) if ds is not None and policy is not None else None
        if shown is not None and shown[0] == "figure":
            previews[arm] = shown[1]
    root = write_tensorboard(folder, run_dir.name, command, results, previews)
    typer.echo(f"tensorboard: {root} (tensorboard --logdir {folder})")


def dataset_output(out: Path, inputs, overwrite: bool, folder: bool | None = None):
    """Check a dataset output (a file or folder with its manifest beside it): it is
    replaced only when it is an earlier augmentlab output and --overwrite is given.
    ``folder=None``: the format is not known yet; an existing path is checked as what it is."""
    import os

    from augmentlab.augment import is_manifest, manifest_path
    from augmentlab.outputs import check_output

    if folder is None:  # a file name (x.npz) is a file; any other existing folder is checked as one
        from augmentlab.outputs import FILE_SUFFIXES

        folder = out.suffix.lower() not in FILE_SUFFIXES and os.path.isdir(out) and not os.path.islink(out)
    return check_output(out, "--out", inputs=inputs, folder=folder, overwrite=overwrite,
                        ours=lambda p: is_manifest(manifest_path(p)), companions=[manifest_path(out)])
