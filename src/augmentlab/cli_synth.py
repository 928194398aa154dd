"""`augmentlab synth ...`: fit, sample and evaluate class-conditional generators."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from augmentlab.cli_support import MIXED_SIZES, OVERWRITE, cpu_speed_settings, progress_bar, seed_option
from augmentlab.data.load import dataset_identity
from augmentlab.device import resolve_device
from augmentlab.errors import AugmentlabError

synth_app = typer.Typer(no_args_is_help=True, help="Class-conditional generators: fit, sample and evaluate (cvae, cgan, ddpm).")


@synth_app.command("fit")
def synth_fit(
    data: str = typer.Argument(..., help="Dataset: a path or a built-in name."),
    model: str = typer.Option(..., "--model", help="cvae, cgan or ddpm"),
    per_class: Optional[int] = typer.Option(None, "--per-class", help="Train on the lab's seeded N-per-class split only."),
    split_seed: int = seed_option(0, "--split-seed", help="Which of the lab's seeds draws that split."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Optimiser steps (default: the model's)."),
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", help="Checkpoint file (safetensors)."),
    threads: int = typer.Option(2, "--threads"),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA when present)."),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
):
    """Train a class-conditional generator and save it as a checkpoint."""
    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.synth.checkpoint import save_checkpoint
    from augmentlab.synth.fit import DEFAULT_STEPS, check_model_name, fit_generator
    check_model_name(model)  # before the data is loaded and the progress bar drawn
    checked = check_output(out, "--out", inputs=input_paths(data), overwrite=overwrite)  # before hours of training
    cpu_speed_settings(threads)
    target = resolve_device(device)
    ds = load_dataset(data, on_mixed_sizes=mixed_sizes)
    total = steps if steps is not None else DEFAULT_STEPS.get(model, 0)
    bar, advance = progress_bar(max(total, 1), f"fitting {model}")
    with bar:
        generator, meta, idx = fit_generator(ds, model, steps, seed, per_class, split_seed, advance, target)
    meta["data"] = dataset_identity(data)
    save_checkpoint(generator, checked.path, meta, {"train_indices": idx}, replace=checked.replace)
    typer.echo(f"fitted {model} on {meta['train_images']} images in {meta['fit_seconds']:.0f} s; wrote {out}")


@synth_app.command("sample")
def synth_sample(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `synth fit`."),
    n: int = typer.Option(..., "--n", help="How many images."),
    labels: Optional[str] = typer.Option(None, "--labels", help="Comma-separated class indices (default: all classes in turn)."),
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", help="Output .npz: images (uint8, N×H×W or N×H×W×C) and labels."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA when present)."),
    overwrite: bool = OVERWRITE,
):
    """Draw labelled images from a checkpoint into an .npz file."""
    import torch

    from augmentlab.data.dataset import Dataset
    from augmentlab.data.load import save_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.synth.checkpoint import load_checkpoint
    from augmentlab.values import check_number

    check_number(n, "--n", low=1, high=10_000_000, integer=True)
    if out.suffix.lower() != ".npz":
        raise AugmentlabError(f"--out {out}: expected a .npz file name")
    checked = check_output(out, "--out", inputs=input_paths(checkpoint), overwrite=overwrite)
    target = resolve_device(device)
    generator, meta, _ = load_checkpoint(checkpoint)
    generator.to(target)
    if labels is None:
        wanted = torch.arange(n) % generator.num_classes
    else:
        from augmentlab.options import number_list

        chosen = number_list(labels, "--labels", int, "0,3,7")
        wanted = torch.tensor(chosen)[torch.arange(n) % len(chosen)]
    images = generator.sample(wanted, seed)
    names = tuple(meta.get("class_names") or [str(i) for i in range(generator.num_classes)])
    save_dataset(Dataset(images, wanted, names, "image", "synthetic"), checked.path, "npz", replace=checked.replace)
    typer.echo(f"wrote {n} images to {out}")


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
):
    """Fréchet distance, precision/recall/density/coverage, conditional accuracy,
    memorisation and TSTR, in the feature space of a classifier trained on the real
    training images (no downloaded weights)."""
    import torch

    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.preview import save_png, tile
    from augmentlab.quality.report import check_samples_per_class, evaluate_generator
    from augmentlab.report.console import print_synth_quality
    from augmentlab.report.records import write_json
    from augmentlab.synth.checkpoint import load_checkpoint

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
    generator, meta, extra = load_checkpoint(checkpoint)
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
