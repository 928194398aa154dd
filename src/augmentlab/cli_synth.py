"""`augmentlab synth ...`: fit, sample and evaluate class-conditional generators."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from augmentlab.cli_support import (
    COLUMN_TYPES,
    MIXED_SIZES,
    MODALITY,
    OVERWRITE,
    TARGET,
    cpu_speed_settings,
    progress_bar,
    read_options,
    seed_option,
)
from augmentlab.data.load import dataset_identity
from augmentlab.device import resolve_device
from augmentlab.errors import AugmentlabError

synth_app = typer.Typer(no_args_is_help=True, help="Class-conditional generators: fit, sample and evaluate "
                                                   "(images: cvae, cgan, ddpm; table rows: copula, tvae).")
TRAIN_ROWS = typer.Option(None, "--train-size", help="Tables: fit on the lab's seeded training rows only (class ratio kept).")


@synth_app.command("fit")
def synth_fit(
    data: str = typer.Argument(..., help="Dataset: a path or a built-in name."),
    model: str = typer.Option(..., "--model", help="Images: cvae, cgan or ddpm. Table rows: copula or tvae."),
    per_class: Optional[int] = typer.Option(None, "--per-class", help="Train on the lab's seeded N-per-class split only."),
    train_size: Optional[int] = TRAIN_ROWS,
    split_seed: int = seed_option(0, "--split-seed", help="Which of the lab's seeds draws that split."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Optimiser steps (default: the model's)."),
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", help="Checkpoint file (safetensors)."),
    threads: int = typer.Option(2, "--threads"),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA when present)."),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    target_column: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    modality: Optional[str] = MODALITY,
):
    """Train a class-conditional generator and save it as a checkpoint."""
    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.synth.checkpoint import save_checkpoint
    from augmentlab.synth.fit import DEFAULT_STEPS, check_model_name, fit_generator, fit_table_generator
    from augmentlab.synth.models import TABLE_MODELS
    check_model_name(model)  # before the data is loaded and the progress bar drawn
    rows = model in TABLE_MODELS
    if (per_class if rows else train_size) is not None:
        raise AugmentlabError("--per-class is for image generators, --train-size for table generators")
    checked = check_output(out, "--out", inputs=input_paths(data), overwrite=overwrite)  # before hours of training
    cpu_speed_settings(threads)
    target = resolve_device(device)
    ds = load_dataset(data, options=read_options(mixed_sizes, target=target_column, column_types=column_types, modality=modality))
    total = steps if steps is not None else DEFAULT_STEPS.get(model, ds.num_classes)
    bar, advance = progress_bar(max(total, 1), f"fitting {model}")
    with bar:
        if rows:
            generator, meta, idx = fit_table_generator(ds, model, steps, seed, train_size, split_seed, advance, target)
        else:
            generator, meta, idx = fit_generator(ds, model, steps, seed, per_class, split_seed, advance, target)
    meta["data"] = dataset_identity(data)
    save_checkpoint(generator, checked.path, meta, {"train_indices": idx}, replace=checked.replace)
    fitted = f"{meta['train_rows']} rows" if rows else f"{meta['train_images']} images"
    typer.echo(f"fitted {model} on {fitted} in {meta['fit_seconds']:.0f} s; wrote {out}")


@synth_app.command("sample")
def synth_sample(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `synth fit`."),
    n: int = typer.Option(..., "--n", help="How many images."),
    labels: Optional[str] = typer.Option(None, "--labels", help="Comma-separated class indices (default: all classes in turn)."),
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", help="Output .npz of images (uint8, N×H×W or N×H×W×C) and labels; "
                                                "table rows: .csv or .parquet with the fitted table's columns."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA when present)."),
    overwrite: bool = OVERWRITE,
):
    """Draw labelled images (or table rows) from a checkpoint into a file."""
    import torch

    from augmentlab.data.dataset import Dataset
    from augmentlab.data.load import save_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.synth.checkpoint import load_checkpoint
    from augmentlab.values import check_number

    check_number(n, "--n", low=1, high=10_000_000, integer=True)
    generator, meta, _ = load_checkpoint(checkpoint)
    rows = getattr(generator, "kind", "image") == "table"
    suffixes = (".csv", ".parquet", ".pq") if rows else (".npz",)
    if out.suffix.lower() not in suffixes:
        raise AugmentlabError(f"--out {out}: expected a {' or '.join(suffixes[:2])} file name")
    checked = check_output(out, "--out", inputs=input_paths(checkpoint), overwrite=overwrite)
    target = resolve_device(device)
    generator.to(target)
    if labels is None:
        wanted = torch.arange(n) % generator.num_classes
    else:
        from augmentlab.options import number_list

        chosen = number_list(labels, "--labels", int, "0,3,7")
        wanted = torch.tensor(chosen)[torch.arange(n) % len(chosen)]
    drawn = generator.sample(wanted, seed)
    names = tuple(meta.get("class_names") or [str(i) for i in range(generator.num_classes)])
    fmt = ("csv" if out.suffix.lower() == ".csv" else "parquet") if rows else "npz"
    save_dataset(Dataset(drawn, wanted, names, "table" if rows else "image", "synthetic"), checked.path, fmt, replace=checked.replace)
    typer.echo(f"wrote {n} {'rows' if rows else 'images'} to {out}")


@synth_app.command("evaluate")
def synth_evaluate(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `synth fit`."),
    data: str = typer.Option(..., "--data", help="The data the generator was fitted on."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results as JSON here."),
    per_class: int = typer.Option(100, "--per-class", help="Samples per class drawn and real held-out images per class."),
    seed: int = seed_option(),
    grid: Optional[Path] = typer.Option(None, "--grid", help="PNG of samples, one row per class (default: beside --json)."),
    independent: bool = typer.Option(True, "--independent-judge/--no-independent-judge",
                                     help="Also judge samples with a classifier trained on every image the generator did not see."),
    threads: int = typer.Option(2, "--threads"),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA when present)."),
    overwrite: bool = OVERWRITE,
    target_column: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    metric: Optional[str] = typer.Option(None, "--metric", help="Table rows: what TSTR scores by (default: pr_auc on two classes)."),
):
    """Images: Fréchet distance, precision/recall/density/coverage, conditional accuracy,
    memorisation and TSTR, in the feature space of a classifier trained on the real
    training images (no downloaded weights). Table rows: per-column fidelity (KS, total
    variation), correlation difference, detection AUC, distance to the closest training
    row against the holdout's, and TSTR, each next to what the real holdout rows score."""
    import torch

    from augmentlab.synth.checkpoint import load_checkpoint

    generator, meta, extra = load_checkpoint(checkpoint)
    if getattr(generator, "kind", "image") == "table":
        if grid is not None:
            raise AugmentlabError("--grid draws images; table rows have none")
        return _evaluate_rows(checkpoint, generator, meta, extra, data, json_out, seed, threads, overwrite,
                              read_options(target=target_column, column_types=column_types), metric)

    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.preview import save_png, tile
    from augmentlab.quality.report import check_samples_per_class, evaluate_generator
    from augmentlab.report.console import print_synth_quality
    from augmentlab.report.records import write_json

    check_samples_per_class(per_class)
    inputs = input_paths(checkpoint, data)
    json_target = check_output(json_out, "--json", inputs=inputs, overwrite=overwrite) if json_out else None
    grid = grid or (json_out.with_suffix(".png") if json_out else None)
    if grid is not None and grid.suffix.lower() != ".png":
        raise AugmentlabError(f"--grid {grid}: expected a .png file name")
    grid_target = check_output(grid, "--grid", inputs=inputs, overwrite=overwrite) if grid else None
    if json_target and grid_target and json_target.path == grid_target.path:
        raise AugmentlabError(f"--json and --grid both name {json_target.path}; give two files")
    cpu_speed_settings(threads)
    target = resolve_device(device)
    generator.to(target)  # sampling runs here; the judges train on CPU
    ds = load_dataset(data)
    if "train_indices" not in extra:
        raise AugmentlabError(f"{checkpoint}: the checkpoint does not record its training images")
    results, fake, labels = evaluate_generator(generator, extra["train_indices"].numpy(), ds, per_class, seed,
                                               independent_judge=independent)
    results = {"checkpoint": str(checkpoint), "data": data, "model": generator.name, "fit": {k: v for k, v in meta.items() if k != "history"},
               **results}
    if json_target is not None:
        write_json(json_target.path, results, replace=json_target.replace)
    if grid_target is not None:
        rows = [fake[labels == c][:10] for c in range(generator.num_classes)]
        save_png(tile([torch.stack([r[j] for r in rows]) for j in range(min(len(r) for r in rows))], cell=48), grid_target.path,
                 replace=grid_target.replace)
    print_synth_quality(results, grid)


def _evaluate_rows(checkpoint: Path, generator, meta: dict, extra: dict, data: str, json_out: Path | None, seed: int, threads: int,
                   overwrite: bool, options, metric: str | None) -> None:
    """``synth evaluate`` of a table generator: its rows against the training rows, next to
    the holdout rows (the rest of the table, which it never saw)."""
    import numpy as np

    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.quality.table_quality import evaluate_table_generator
    from augmentlab.report.console import print_table_quality
    from augmentlab.report.records import write_json

    json_target = check_output(json_out, "--json", inputs=input_paths(checkpoint, data), overwrite=overwrite) if json_out else None
    cpu_speed_settings(threads)
    ds = load_dataset(data, options=options)
    ds.kind.require("row_generators", "a table generator's checkpoint")
    if "train_indices" not in extra:
        raise AugmentlabError(f"{checkpoint}: the checkpoint does not record its training rows")
    idx = extra["train_indices"].numpy()
    if ds.data.schema.columns != generator.schema.columns or len(ds) <= int(idx.max(initial=-1)):
        raise AugmentlabError(f"--data {data}: not the table {checkpoint} was fitted on (other columns or fewer rows)")
    rest = np.setdiff1d(np.arange(len(ds)), idx)
    if len(rest) < 10:
        raise AugmentlabError(f"{checkpoint}: fitted on {len(idx)} of {len(ds)} rows, which leaves too few unseen rows to compare "
                              "with; fit with --train-size")
    if metric is not None:
        ds.kind.check_metric(metric)
    metric = metric or ds.kind.metric(ds.data)
    results, _ = evaluate_table_generator(generator, ds.data[idx], ds.data[rest], seed, metric)
    results = {"checkpoint": str(checkpoint), "data": data, "model": generator.name,
               "fit": {k: v for k, v in meta.items() if k != "history"}, **results}
    if json_target is not None:
        write_json(json_target.path, results, replace=json_target.replace)
    print_table_quality(results)
