"""The ``augmentlab`` command line: a thin layer over the library.

Bad input exits with code 2 and one line on stderr naming the file, field or value.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from augmentlab.cli_stream import BACKEND, WORKERS, augment_streamed, replay_streamed, wants_stream
from augmentlab.cli_support import (
    COLUMN_TYPES,
    DURATION,
    LABEL_FROM,
    MISSING,
    MIXED_SIZES,
    MODALITY,
    OVERWRITE,
    SAMPLE_RATE,
    TARGET,
    UNSEEN,
    as_flags,
    cpu_speed_settings,
    dataset_output,
    exit_on_signal,
    progress_bar,
    quiet_lost_exit,
    read_options,
    seed_option,
)
from augmentlab.cli_synth import synth_app
from augmentlab.errors import AugmentlabError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Augment, synthesize and measure: data augmentation you can trust.")
app.add_typer(synth_app, name="synth")


@app.command()
def ops(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")):
    """List every op with its modality and what the magnitude m controls."""
    from augmentlab.ops import op_info
    from augmentlab.ops.registry import op_classes

    infos = [op_info(c) for c in op_classes()]
    if as_json:
        typer.echo(json.dumps(infos, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(infos)} ops")
    for col in ("name", "modality", "family", "m sets (declared)", "in words"):
        table.add_column(col)
    for i in infos:
        declared = "nothing (apply with probability p)" if i["magnitude"] is None else i["magnitude"]["summary"]
        kind = i["modality"] if isinstance(i["modality"], str) else ", ".join(i["modality"])
        table.add_row(i["name"], kind + (" features" if i["stage"] == "features" else ""), i["family"], declared, i["m_controls"])
    Console().print(table)


@app.command()
def augment(
    data: str = typer.Argument(..., help="Dataset: a path (.npz, IDX folder, image folder, .tsv/.csv text, audio folder, "
                                         "COCO, YOLO or mask folder) or a built-in name."),
    policy: str = typer.Option(..., "--policy", help="Policy spec string or .yaml/.json file."),
    copies: int = typer.Option(1, "--copies", help="Augmented copies of each original."),
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", help="Output .npz file, image folder or .tsv/.csv table (as the input)."),
    batch_size: int = typer.Option(256, "--batch-size"),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    label_from: Optional[str] = LABEL_FROM,
    sample_rate: Optional[int] = SAMPLE_RATE,
    duration: Optional[float] = DURATION,
    missing: str = MISSING,
    target: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    unseen: str = UNSEEN,
    modality: Optional[str] = MODALITY,
    no_size_check: bool = typer.Option(False, "--no-size-check", help="Skip the check that the output fits in memory and on disk."),
    min_area: Optional[float] = typer.Option(None, "--min-area", help="Annotated images: drop moved boxes smaller than this many pixels."),
    min_visibility: Optional[float] = typer.Option(None, "--min-visibility",
                                                   help="Annotated images: drop moved boxes with less than this share of their area left in the image."),
    workers: Optional[int] = WORKERS,
    backend: str = BACKEND,
):
    """Write the originals plus K augmented copies, with a replay manifest beside them.
    Annotated images (COCO, YOLO, mask folders) move their targets with each draw; boxes
    are clipped to the image, and dropped when no area (or less than --min-area,
    --min-visibility) is left.

    Images larger than memory stream (--workers N, --backend ray, or a folder of .npz,
    .tar or .parquet shards): read, augmented and written a chunk of --batch-size at a
    time, each original followed by its copies, with the same bytes for any N."""
    import warnings

    from augmentlab.augment import (
        augment_dataset,
        augment_into,
        build_manifest,
        estimated_bytes,
        manifest_path,
        save_streamed,
        save_with_manifest,
        split_growth,
    )
    from augmentlab.data import load_dataset
    from augmentlab.data.load import is_folder_format, output_format
    from augmentlab.errors import AugmentlabNotice
    from augmentlab.outputs import check_disk, check_room, input_paths
    from augmentlab.policy import load_policy
    from augmentlab.policy.modality import check_modality
    from augmentlab.policy.training import image_part
    from augmentlab.values import check_number

    check_number(copies, "--copies", low=0, integer=True)
    check_number(batch_size, "--batch-size", low=1, integer=True)
    if wants_stream(data, workers, backend):
        if min_area is not None or min_visibility is not None:
            raise AugmentlabError("--min-area and --min-visibility apply to annotated images, which are augmented in memory "
                                  "(without --workers)")
        return augment_streamed(data, policy, copies, seed, out, batch_size, overwrite, workers, backend, target, not no_size_check)
    box_filter = _box_filter(min_area, min_visibility)
    inputs = input_paths(data, policy)
    dest = dataset_output(out, inputs, overwrite)  # before loading: a bad --out costs nothing
    options = read_options(mixed_sizes, label_from, sample_rate, duration, missing, target, column_types, unseen, modality)
    ds = load_dataset(data, options=options)
    if box_filter is not None:
        ds.kind.require("boxes", "--min-area" if min_area is not None else "--min-visibility")
    pol, grow = split_growth(load_policy(policy, ds.modality))
    pol = image_part(pol, "augment")
    check_modality(pol, ds.modality)
    if grow and pol.to_spec() == "none" and copies:  # rows added, none changed: copies would only repeat them
        warnings.warn(AugmentlabNotice(f"{' and '.join(op.name for op in grow)} add rows and change none: no copies made"), stacklevel=1)
        copies = 0
    fmt = output_format(ds, out)
    dest = dataset_output(out, inputs, overwrite, folder=is_folder_format(fmt))
    batched = fmt in ds.kind.batch_formats and not grow  # written as it is made: memory holds the input and a batch
    if not no_size_check:
        check = check_disk if batched else check_room
        check(estimated_bytes(ds, copies), dest.path.parent, f"{len(ds)} samples with {copies} copies each", "--no-size-check")
    bar, advance = progress_bar(len(ds) * copies, "augmenting")
    with bar:
        if batched:
            def fill(writer):
                records = augment_into(writer, ds, pol, copies, seed, batch_size, advance, box_filter)
                return build_manifest(data, ds, pol, copies, seed, batch_size, fmt, records, options, box_filter)

            save_streamed(ds, dest.path, fmt, len(ds) * (copies + 1), fill, replace=dest.replace)
            written = len(ds) * (copies + 1)
        else:
            result, records = augment_dataset(ds, pol, copies, seed, batch_size, advance, box_filter, grow)
    if not batched:
        manifest = build_manifest(data, ds, pol, copies, seed, batch_size, fmt, records, options, box_filter, grow)
        save_with_manifest(result, dest.path, fmt, manifest, replace=dest.replace)
        written = len(result)
    added = f" + {written // (copies + 1) - len(ds)} added" if grow else ""
    typer.echo(f"wrote {written} {ds.kind.noun} ({len(ds)} originals{added} + {copies} copies) to {out} [{fmt}], "
               f"manifest {manifest_path(out)}")


def _box_filter(min_area: float | None, min_visibility: float | None):
    """The ``BoxFilter`` the flags ask for, or None for the default one."""
    if min_area is None and min_visibility is None:
        return None
    from augmentlab.ops.image.targets import BoxFilter
    from augmentlab.values import check_number

    if min_area is not None:
        check_number(min_area, "--min-area", low=0.0)
    if min_visibility is not None:
        check_number(min_visibility, "--min-visibility", low=0.0, high=1.0)
    return BoxFilter(min_area=min_area or 0.0, min_visibility=min_visibility or 0.0)


@app.command()
def replay(
    manifest: Path = typer.Argument(..., help="A manifest written by `augmentlab augment`."),
    out: Path = typer.Option(..., "--out"),
    data: Optional[str] = typer.Option(None, "--data", help="The input, if it moved since the manifest was written."),
    overwrite: bool = OVERWRITE,
    workers: Optional[int] = WORKERS,
    backend: str = BACKEND,
):
    """Rebuild an augmented set from its input and manifest, byte for byte."""
    from augmentlab.augment import manifest_read_options, read_manifest, replay_dataset, replay_into, save_streamed, save_with_manifest
    from augmentlab.data import load_dataset
    from augmentlab.data.load import is_folder_format, output_format
    from augmentlab.outputs import input_paths
    from augmentlab.stream_augment import is_stream_manifest

    m = read_manifest(manifest)
    if is_stream_manifest(m):
        return replay_streamed(m, manifest, out, data, overwrite, workers, backend)
    if workers is not None or backend != "local":
        raise AugmentlabError(f"--workers and --backend replay streamed manifests; {manifest} was written in memory")
    source = data or m["input"]
    inputs = input_paths(source, manifest)
    dataset_output(out, inputs, overwrite)
    ds = load_dataset(source, options=manifest_read_options(m, manifest))
    fmt = output_format(ds, out)
    if fmt != m["format"]:
        raise AugmentlabError(f"manifest {manifest}: format {m['format']!r} does not fit {ds.modality} data written to {out} ({fmt})")
    target = dataset_output(out, inputs, overwrite, folder=is_folder_format(fmt))
    batched = fmt in ds.kind.batch_formats and not m.get("grow")  # written as it is made, as augment does
    bar, advance = progress_bar(len(ds) * m["copies"], "replaying")
    with bar:
        if batched:
            save_streamed(ds, target.path, fmt, len(ds) * (m["copies"] + 1), lambda w: replay_into(w, ds, m, advance) or m,
                          replace=target.replace)
        else:
            result = replay_dataset(ds, m, advance)
    if not batched:
        save_with_manifest(result, target.path, fmt, m, replace=target.replace)
    typer.echo(f"replayed {len(ds) * (m['copies'] + 1) if batched else len(result)} {ds.kind.noun} to {out}")


@app.command()
def preview(
    data: str = typer.Argument(...),
    policy: str = typer.Option(..., "--policy"),
    seed: int = seed_option(),
    out: Optional[Path] = typer.Option(None, "--out", help="Images: the PNG grid [default: preview.png]. Text: optional JSON of the rows."),
    rows: int = typer.Option(6, "--rows"),
    draws: Optional[int] = typer.Option(None, "--draws", help="Augmented versions per original [default: 7 images, 3 sentences]."),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    label_from: Optional[str] = LABEL_FROM,
    sample_rate: Optional[int] = SAMPLE_RATE,
    duration: Optional[float] = DURATION,
    missing: str = MISSING,
    target: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    unseen: str = UNSEEN,
    modality: Optional[str] = MODALITY,
):
    """Originals next to several augmented draws: a PNG grid for images, a table in the
    terminal for text, spectrograms (and WAV files of the draws beside the PNG) for audio."""
    from augmentlab.data import load_dataset
    from augmentlab.outputs import check_output, input_paths
    from augmentlab.policy import format_policy, load_policy
    from augmentlab.policy.modality import check_modality
    from augmentlab.policy.training import image_part
    from augmentlab.preview import preview_style
    from augmentlab.values import check_number

    check_number(rows, "--rows", low=1, high=1000, integer=True)
    if draws is not None:
        check_number(draws, "--draws", low=1, high=100, integer=True)
    inputs = input_paths(data, policy)
    # an explicit --out is checked before anything is loaded
    dest = check_output(out, "--out", inputs=inputs, overwrite=overwrite) if out is not None else None
    ds = load_dataset(data, options=read_options(mixed_sizes, label_from, sample_rate, duration, missing, target, column_types, unseen, modality))
    style = preview_style(ds)
    pol = image_part(load_policy(policy, ds.modality), "preview")
    check_modality(pol, ds.modality)
    out = out or style.default_out
    if out is not None and out.suffix.lower() != style.suffix:
        raise AugmentlabError(f"--out {out}: {style.suffix_error}")
    shown = style.make(ds, pol, seed, rows, draws if draws is not None else style.draws)
    style.show(shown, f"{format_policy(pol)} on {Path(data).name}")
    if out is not None:
        dest = dest or check_output(out, "--out", inputs=inputs, overwrite=overwrite)
        style.save(shown, dest.path, {"data": data, "policy": format_policy(pol), "seed": seed}, replace=dest.replace)
        typer.echo(f"wrote {out}")


@app.command()
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print the JSON result."),
    seconds: float = typer.Option(2.0, "--seconds", help="Time per measurement."),
    threads: int = typer.Option(1, "--threads", help="Also time augmentlab's image pipelines at 1..N threads."),
    device: str = typer.Option("cpu", "--device", help="cpu (every peer, one thread), or cuda, cuda:N, mps: the image pipelines "
                                                       "on batches resident on that device, next to kornia and a device copy."),
):
    """Time the image pipelines against albumentations, kornia and a memory copy, the audio
    pipeline against audiomentations and the series pipeline against tsaug (one thread,
    side by side in one run). With --device cuda, the image pipelines on the GPU."""
    from augmentlab.bench import run_bench
    from augmentlab.cli_support import MAX_THREADS
    from augmentlab.device import resolve_device
    from augmentlab.values import check_number

    check_number(seconds, "--seconds", low=0.0, low_open=True, high=3600.0)
    check_number(threads, "--threads", low=1, high=MAX_THREADS, integer=True)
    where = resolve_device(device)
    if where.type != "cpu":
        return _bench_device(where, seconds, as_json)
    result = run_bench(seconds, threads=threads)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="throughput, one CPU thread")
    for col in ("pipeline", "size", "batch", "library", "per second"):
        table.add_column(col)
    for r in result["results"]:
        unit = {"audio": "clips", "series": "series"}.get(r["pipeline"], "images")
        size = {"audio": f"{r['size'] / 16000:g} s at 16 kHz", "series": f"{r['size']} steps"}.get(r["pipeline"], f"{r['size']}x{r['size']}")
        table.add_row(r["pipeline"], size, str(r["batch_size"]), r["library"], f"{r['items_per_second']:,.0f} {unit}")
    console = Console()
    console.print(table)
    for k, v in result["ratios"].items():
        console.print(f"{k}: {v:.3f}x")
    if "thread_scaling" in result:
        scaling = Table(title="augmentlab by torch threads")
        for col in ("pipeline", "size", "batch", "threads", "images per second"):
            scaling.add_column(col)
        for r in result["thread_scaling"]["rows"]:
            scaling.add_row(r["pipeline"], f"{r['size']}x{r['size']}", str(r["batch_size"]), str(r["threads"]), f"{r['items_per_second']:,.0f}")
        console.print(scaling)
        for k, v in result["thread_scaling"]["ratios"].items():
            console.print(f"{k}: {v:.3f}x")
        ceiling = result["thread_scaling"]["machine_ceiling"]
        console.print(f"this machine's ceiling, vector arithmetic in L1 on {ceiling['threads']} threads: {ceiling['l1_fma_speedup']:.3f}x")
    for r in result["distortion"]:
        console.print(f"{r['op']} 224x224 {r['library']}: {r['images_per_second']:,.0f} images/s")


def _bench_device(device, seconds: float, as_json: bool) -> None:
    from augmentlab.bench_device import run_device_bench

    result = run_device_bench(device, seconds)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"throughput on {result['device_name']} ({result['device']}), batches resident on the device")
    for col in ("pipeline", "size", "batch", "library", "images per second"):
        table.add_column(col)
    for r in result["results"]:
        table.add_row(r["pipeline"], f"{r['size']}x{r['size']}", str(r["batch_size"]), r["library"], f"{r['images_per_second']:,.0f}")
    console = Console()
    console.print(table)
    for k, v in result["ratios"].items():
        console.print(f"{k}: {v:.3f}x")


from augmentlab.cli_lab import evaluate, search, sweep  # noqa: E402 - registered here, in help order

for _command in (evaluate, sweep, search):
    app.command()(_command)


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run directory written by evaluate, sweep or demo.")):
    """Render a run's records as Markdown and HTML with its plots and preview grids."""
    from augmentlab.report.render import render_report

    if not run_dir.is_dir():
        raise AugmentlabError(f"{run_dir}: no such run directory")
    md, page = render_report(run_dir)
    typer.echo(f"wrote {md} and {page}")


@app.command()
def demo(
    out: Path = typer.Option(Path("augmentlab-demo"), "--out", help="Where the runs and reports go."),
    steps: int = typer.Option(300, "--steps", help="Optimiser steps per training run."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an earlier demo's folder (never another folder)."),
):
    """The main job on the built-in digits: a baseline, three policies and a strength sweep
    under the low-data protocol, with tables and a report."""
    from augmentlab.lab import DEMO_POLICIES, demo_trainings, is_demo_folder, run_demo
    from augmentlab.outputs import check_output
    from augmentlab.report.console import print_compare, print_sweep
    from augmentlab.values import check_number

    check_number(steps, "--steps", low=1, integer=True)
    target = check_output(out, "--out", folder=True, overwrite=overwrite, ours=is_demo_folder)
    cpu_speed_settings(1)
    bar, advance = progress_bar(demo_trainings(), "training")
    with bar:
        results = run_demo(target.path, steps, replace=target.replace, progress=advance)
    print_compare(results["compare"], DEMO_POLICIES)
    print_sweep(results["sweep"])
    typer.echo(f"reports: {out / 'compare' / 'report.html'} and {out / 'sweep' / 'report.html'}")


def _show_notice(message, category, filename, lineno, file=None, line=None):
    """Library notices (a resized image, a dropped alpha channel) as one line each."""
    from augmentlab.errors import AugmentlabNotice

    if issubclass(category, AugmentlabNotice):
        typer.echo(f"note: {message}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = None


def main() -> None:
    import signal
    import warnings

    global _default_showwarning
    signal.signal(signal.SIGTERM, exit_on_signal)
    sys.unraisablehook = quiet_lost_exit
    if warnings.showwarning is not _show_notice:  # main() again in one process (tests) must not wrap itself
        _default_showwarning, warnings.showwarning = warnings.showwarning, _show_notice
    try:
        code = app(standalone_mode=False)  # click returns the exit code (130 on Ctrl-C)
        if isinstance(code, int) and code:
            sys.exit(code)
    except AugmentlabError as e:
        typer.echo(f"error: {as_flags(e)}", err=True)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (OSError, MemoryError) as e:
        # the machine said no (a full disk, a vanished folder, too little memory): one line
        typer.echo(f"error: {_describe_os_error(e)}", err=True)
        sys.exit(2)
    except Exception as e:
        # Usage errors (missing option, bad value) from click, which typer may bundle
        # privately: recognised by click's exception interface, they become one line, exit 2.
        if callable(getattr(e, "format_message", None)) and isinstance(getattr(e, "exit_code", None), int):
            ctx = getattr(e, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            typer.echo(f"error: {' '.join(e.format_message().split())}{hint}", err=True)
            sys.exit(e.exit_code)
        raise


def _describe_os_error(e: BaseException) -> str:
    if isinstance(e, MemoryError):
        return "out of memory; try a smaller input, fewer --copies or a smaller --batch-size"
    where = getattr(e, "filename", None)
    reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return f"{where}: {reason}" if where else reason


if __name__ == "__main__":
    main()
