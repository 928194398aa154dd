"""`augmentlab evaluate`, `sweep` and `search`: the lab's commands, registered on the main
app by :mod:`augmentlab.cli`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer

from augmentlab.cli_support import (
    ALLOW_OVERLAP,
    COLUMN_TYPES,
    CONFIG,
    DEVICE,
    DURATION,
    FILTER_MODEL,
    LABEL_FROM,
    METRIC,
    MIN_SIMILARITY,
    MISSING,
    MIXED_SIZES,
    MODALITY,
    MODEL,
    OVERWRITE,
    PER_CLASS,
    PRECISION,
    SAMPLE_RATE,
    STEPS,
    TARGET,
    TENSORBOARD,
    TEST_GROUPS,
    TEXT_COPIES,
    TRAIN_SIZE,
    UNSEEN,
    WEIGHTS,
    RunOutputs,
    cpu_speed_settings,
    parse_groups,
    progress_bar,
    read_options,
    seed_option,
    split_paths,
    tensorboard_folder,
    write_tensorboard_for,
)
from augmentlab.data.overlap import check_overlap
from augmentlab.errors import AugmentlabError
from augmentlab.lab import Lab, lab_protocol, load_with_test
from augmentlab.search.defaults import DEFAULT_BUDGET, DEFAULT_TRIAL_FRACTION
from augmentlab.train.precision import check_precision


def evaluate(
    ctx: typer.Context,
    data: str = typer.Argument(..., help="Dataset: a path or a built-in name."),
    policy: str = typer.Option(..., "--policy", help="Policy spec string or .yaml/.json file."),
    per_class: Optional[int] = PER_CLASS,
    train_size: Optional[int] = TRAIN_SIZE,
    seeds: str = typer.Option("3", "--seeds", help="Seeds 0..K-1, each with its own splits; or auto: add seeds until the "
                                                    "lift's 95% CI excludes zero or reaches --target-halfwidth (up to --max-seeds)."),
    target_halfwidth: float = typer.Option(1.0, "--target-halfwidth", help="Points: the lift's CI half-width --seeds auto "
                                                                             "aims for, and the one 'seeds needed' is reported for."),
    max_seeds: int = typer.Option(10, "--max-seeds", help="With --seeds auto: the most seeds to train."),
    steps: Optional[int] = STEPS,
    test: Optional[str] = typer.Option(None, "--test", help="Report on this dataset instead of a split of DATA."),
    model: Optional[str] = MODEL,
    weights: Optional[str] = WEIGHTS,
    tensorboard: Optional[Path] = TENSORBOARD,
    device: str = DEVICE,
    precision: str = PRECISION,
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results as JSON here."),
    runs: Path = typer.Option(Path("augmentlab-runs"), "--runs", help="Parent folder of run directories."),
    threads: int = typer.Option(2, "--threads", help="torch CPU threads; results are deterministic for a fixed count."),
    adaptive: bool = typer.Option(False, "--adaptive", help="Also train with the magnitude adapted from an overfitting signal."),
    adaptive_signal: str = typer.Option("gap", "--adaptive-signal", help="gap (train-batch minus held-out accuracy) or rt (ADA's r_t)."),
    adaptive_target: Optional[float] = typer.Option(None, "--adaptive-target", help="Signal target (default: 0 for gap, 0.6 for rt)."),
    from_sweep: Optional[Path] = typer.Option(None, "--from-sweep", help="A sweep's results.json: use its chosen (one-SE rule) magnitude as the fixed one."),
    copies: Optional[int] = TEXT_COPIES,
    min_similarity: Optional[float] = MIN_SIMILARITY,
    filter_model: str = FILTER_MODEL,
    synthetic: Optional[str] = typer.Option(None, "--synthetic",
                                            help="Comma-separated `synth fit` checkpoints, one fitted on each seed's split (--split-seed S)."),
    synthetic_ratio: float = typer.Option(1.0, "--synthetic-ratio", help="Synthetic images added per real training image."),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    label_from: Optional[str] = LABEL_FROM,
    test_groups: Optional[str] = TEST_GROUPS,
    sample_rate: Optional[int] = SAMPLE_RATE,
    duration: Optional[float] = DURATION,
    missing: str = MISSING,
    target: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    unseen: str = UNSEEN,
    modality: Optional[str] = MODALITY,
    metric: Optional[str] = METRIC,
    allow_overlap: bool = ALLOW_OVERLAP,
    config: Optional[Path] = CONFIG,
):
    """Train with and without the policy under the low-data protocol; report test accuracy
    with 95% CIs and the paired lift. With --adaptive, a third arm adapts the magnitude
    during training, reported next to the fixed one. With --synthetic, another arm adds
    generated images, and its lift is measured against the same policy on real images only."""
    from augmentlab.outputs import input_paths
    from augmentlab.report.console import print_evaluation
    from augmentlab.train.protocol import evaluate as run_evaluate
    from augmentlab.values import check_number

    if synthetic is not None:
        check_number(synthetic_ratio, "--synthetic-ratio", low=0.0, low_open=True, high=100.0)
    check_number(target_halfwidth, "--target-halfwidth", low=0.0, low_open=True, high=100.0)
    rule, seeds = _seed_rule(seeds, target_halfwidth, max_seeds)
    if rule is None:
        ctx.params["seeds"] = seeds  # the resolved config keeps a count as a number
    inputs = input_paths(data, test, policy, from_sweep, config, *split_paths(synthetic))
    outputs = RunOutputs(runs, inputs, overwrite, json_out, options=ctx.params)
    tb = tensorboard_folder(tensorboard, inputs)
    adaptive_config = None
    if adaptive or from_sweep:
        from augmentlab.train.adaptive import AdaptiveConfig

        adaptive_config = AdaptiveConfig(signal=adaptive_signal, target=adaptive_target)
        adaptive_config.check()
    check_precision(precision)
    cpu_speed_settings(threads)
    lab = Lab(data, policy, per_class, seeds, steps, test, model, mixed_sizes, copies, min_similarity, filter_model,
              label_from, parse_groups(test_groups), sample_rate, duration, sweepable=adaptive_config is not None,
              train_size=train_size, missing=missing, target=target, column_types=column_types, unseen=unseen, modality=modality,
              metric=metric, weights=weights, device=_device(device), precision=precision, allow_overlap=allow_overlap)
    fixed_m = lab.use_best_from_sweep(from_sweep) if from_sweep is not None else None
    fused = None
    if synthetic is not None:
        from augmentlab.synth.fusion import Fused

        fused = Fused(lab.policy, lab.synthetic_source(synthetic), synthetic_ratio)
    bar, advance = progress_bar((2 + adaptive + (fused is not None)) * (rule.max_seeds if rule else seeds), "training")
    with bar:
        if rule is not None:
            from augmentlab.train.seeds_auto import evaluate_until

            results = evaluate_until(lab.ds, lab.policy, lab.protocol, rule, lab.test_ds, advance,
                                     adaptive=adaptive_config if adaptive else None, synthetic=fused)
            lab.protocol = results_protocol(lab.protocol, results)
        else:
            results = run_evaluate(lab.ds, lab.policy, lab.protocol, lab.test_ds, advance,
                                   adaptive=adaptive_config if adaptive else None, synthetic=fused,
                                   target_halfwidth=target_halfwidth / 100)
    if fixed_m is not None:
        results["fixed_magnitude_from_sweep"] = {"path": str(from_sweep), "magnitude": fixed_m}
    results, run_dir = _save(lab, outputs, threads, "evaluate", results, **({"seeds_rule": results["seeds_rule"]} if rule else {}))
    if "adaptive" in results:
        from augmentlab.report.plots import adaptive_trajectory

        adaptive_trajectory(results, run_dir / "adaptive.png", f"adaptive {lab.spec}")
    write_tensorboard_for(tb, run_dir, "evaluate", results, lab.ds, {"augmented": lab.policy})
    print_evaluation(results)
    typer.echo(f"run directory: {run_dir}")


def _seed_rule(seeds: str, target_halfwidth: float, max_seeds: int):
    """``(SeedRule or None, the seeds to start with)`` from --seeds (a count, or auto)."""
    from augmentlab.values import check_number

    if seeds.strip().lower() == "auto":
        from augmentlab.train.seeds_auto import START, SeedRule

        check_number(max_seeds, "--max-seeds", low=2, high=1000, integer=True)
        return SeedRule(target_halfwidth / 100, max_seeds), min(START, max_seeds)
    try:
        count = int(seeds)
    except ValueError:
        raise AugmentlabError(f"--seeds {seeds!r} is not a number of seeds or auto") from None
    check_number(count, "--seeds", low=1, integer=True)
    return None, count


def results_protocol(protocol, results: dict):
    """The protocol with the number of seeds a ``--seeds auto`` run ended at."""
    from dataclasses import replace

    return replace(protocol, seeds=results["seeds_rule"]["seeds"])


def _device(name: str) -> str:
    """``--device`` checked (a missing GPU is one line, before anything loads) and spelled
    as torch does, ``auto`` resolved."""
    from augmentlab.device import resolve_device

    return str(resolve_device(name))


def _save(lab: Lab, outputs: RunOutputs, threads: int, command: str, results: dict, **config) -> tuple[dict, Path]:
    """Write the run directory (and --json); return the results and the directory."""
    config, results = lab.record(results, threads, **config)
    return results, outputs.write(command, config, results)


def sweep(
    ctx: typer.Context,
    data: str = typer.Argument(..., help="Dataset: a path or a built-in name."),
    policy: str = typer.Option(..., "--policy", help="Policy whose magnitude is swept (an op, container or rand-/augmix)."),
    magnitudes: Optional[str] = typer.Option(None, "--magnitudes", help="Comma-separated magnitudes in [0, 1] [default: 0,0.1,0.2,0.3,0.5,0.7,1]."),
    synthetic: Optional[str] = typer.Option(None, "--synthetic", help="Sweep the synthetic ratio instead: `synth fit` checkpoints, one per seed's split."),
    ratios: str = typer.Option("0,0.5,1,2,4", "--ratios", help="With --synthetic: synthetic images per real image."),
    per_class: Optional[int] = PER_CLASS,
    train_size: Optional[int] = TRAIN_SIZE,
    seeds: int = typer.Option(3, "--seeds", help="Seeds 0..K-1; each gets its own splits."),
    steps: Optional[int] = STEPS,
    test: Optional[str] = typer.Option(None, "--test", help="Report on this dataset instead of a split of DATA."),
    model: Optional[str] = MODEL,
    weights: Optional[str] = WEIGHTS,
    tensorboard: Optional[Path] = TENSORBOARD,
    device: str = DEVICE,
    precision: str = PRECISION,
    json_out: Optional[Path] = typer.Option(None, "--json"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the strength curve as PNG here."),
    runs: Path = typer.Option(Path("augmentlab-runs"), "--runs", help="Parent folder of run directories."),
    threads: int = typer.Option(2, "--threads", help="torch CPU threads; results are deterministic for a fixed count."),
    copies: Optional[int] = TEXT_COPIES,
    min_similarity: Optional[float] = MIN_SIMILARITY,
    filter_model: str = FILTER_MODEL,
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    label_from: Optional[str] = LABEL_FROM,
    test_groups: Optional[str] = TEST_GROUPS,
    sample_rate: Optional[int] = SAMPLE_RATE,
    duration: Optional[float] = DURATION,
    missing: str = MISSING,
    target: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    unseen: str = UNSEEN,
    modality: Optional[str] = MODALITY,
    metric: Optional[str] = METRIC,
    allow_overlap: bool = ALLOW_OVERLAP,
    config: Optional[Path] = CONFIG,
):
    """Accuracy against augmentation strength, or with --synthetic against the share of
    generated images: the sweet spot (on validation) and where it is overdone."""
    from augmentlab.report.console import print_sweep
    from augmentlab.report.plots import strength_curve
    from augmentlab.search.sweep import parse_magnitudes, sweep_synthetic
    from augmentlab.search.sweep import sweep as run_sweep
    from augmentlab.synth.fusion import parse_ratios

    if synthetic is not None and magnitudes is not None:
        raise AugmentlabError("--magnitudes and --synthetic: a sweep varies one thing; give --ratios with --synthetic")
    values = parse_ratios(ratios) if synthetic is not None else parse_magnitudes(magnitudes or "0,0.1,0.2,0.3,0.5,0.7,1")
    from augmentlab.outputs import input_paths

    inputs = input_paths(data, test, policy, config, *split_paths(synthetic))
    outputs = RunOutputs(runs, inputs, overwrite, json_out, plot, options=ctx.params)
    tb = tensorboard_folder(tensorboard, inputs)
    check_precision(precision)
    cpu_speed_settings(threads)
    lab = Lab(data, policy, per_class, seeds, steps, test, model, mixed_sizes, copies, min_similarity, filter_model,
              label_from, parse_groups(test_groups), sample_rate, duration, sweepable=synthetic is None,  # a magnitude sweep fails early when m sets nothing
              train_size=train_size, missing=missing, target=target,
              column_types=column_types, unseen=unseen, modality=modality, metric=metric,
              weights=weights, device=_device(device), precision=precision, allow_overlap=allow_overlap)
    source = lab.synthetic_source(synthetic) if synthetic is not None else None
    bar, advance = progress_bar(len(values) * seeds, "sweeping")
    with bar:
        if source is not None:
            results = sweep_synthetic(lab.ds, lab.policy, source, values, lab.protocol, lab.test_ds, advance)
        else:
            results = run_sweep(lab.ds, lab.policy, values, lab.protocol, lab.test_ds, advance)
    results, run_dir = _save(lab, outputs, threads, "sweep", results, **({"ratios": values} if source else {"magnitudes": values}))
    size = f"{per_class} per class" if per_class is not None else f"{train_size} training {lab.ds.kind.noun}"
    title = f"{lab.spec} on {Path(data).name}, {size}, {seeds} seeds"
    strength_curve(results, run_dir / "strength.png", title)
    if outputs.plot is not None:
        strength_curve(results, outputs.plot.path, title, replace=outputs.plot.replace)
    if tb is not None:
        from augmentlab.policy.magnitude import with_magnitude

        axis = results.get("axis", "magnitude")
        previews = {f"{axis}={v:g}": with_magnitude(lab.policy, v) for v in values} if source is None else {}
        write_tensorboard_for(tb, run_dir, "sweep", results, lab.ds, previews)
    print_sweep(results)
    typer.echo(f"run directory: {run_dir}")


def search(
    ctx: typer.Context,
    data: str = typer.Argument(..., help="Dataset: a path or a built-in name."),
    per_class: Optional[int] = PER_CLASS,
    train_size: Optional[int] = TRAIN_SIZE,
    budget: int = typer.Option(DEFAULT_BUDGET, "--budget", help="Trials to run (a resumed search counts those already stored)."),
    seeds: int = typer.Option(3, "--seeds", help="Seeds 0..K-1 on which the winner and the baselines are retrained."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results as JSON here."),
    storage: Optional[str] = typer.Option(None, "--storage", help="Optuna RDB URL, e.g. sqlite:///search.db: resumable."),
    backend: str = typer.Option("local", "--backend", help="local, or ray (pip install 'augmentlab[distributed]')."),
    space: Optional[str] = typer.Option(None, "--space", help="ops, ops(op,...), rand, rand(op,...) or a .yaml/.json file."),
    steps: Optional[int] = STEPS,
    trial_fraction: float = typer.Option(DEFAULT_TRIAL_FRACTION, "--trial-fraction", help="A full trial's length as a fraction of --steps."),
    test: Optional[str] = typer.Option(None, "--test", help="Report on this dataset instead of a held-out part of DATA."),
    model: Optional[str] = MODEL,
    weights: Optional[str] = WEIGHTS,
    tensorboard: Optional[Path] = TENSORBOARD,
    device: str = DEVICE,
    precision: str = PRECISION,
    copies: Optional[int] = typer.Option(None, "--copies", help="Text: augmented copies per training sentence [default: 4]."),
    min_similarity: Optional[float] = MIN_SIMILARITY,
    filter_model: str = FILTER_MODEL,
    seed: int = seed_option(help="Seeds the sampler and the search split."),
    study_name: Optional[str] = typer.Option(None, "--study-name", help="Default: derived from data, space and settings."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="An existing Ray cluster (default: start a local one)."),
    runs: Path = typer.Option(Path("augmentlab-runs"), "--runs", help="Parent folder of run directories."),
    threads: int = typer.Option(2, "--threads", help="torch CPU threads; results are deterministic for a fixed count."),
    overwrite: bool = OVERWRITE,
    mixed_sizes: str = MIXED_SIZES,
    label_from: Optional[str] = LABEL_FROM,
    test_groups: Optional[str] = TEST_GROUPS,
    sample_rate: Optional[int] = SAMPLE_RATE,
    duration: Optional[float] = DURATION,
    missing: str = MISSING,
    target: Optional[str] = TARGET,
    column_types: Optional[str] = COLUMN_TYPES,
    unseen: str = UNSEEN,
    modality: Optional[str] = MODALITY,
    metric: Optional[str] = METRIC,
    allow_overlap: bool = ALLOW_OVERLAP,
    config: Optional[Path] = CONFIG,
):
    """Search augmentation policies within a budget (Optuna TPE with successive halving), then
    retrain the winner on K seeds next to no augmentation, RandAugment and TrivialAugment."""
    from augmentlab.outputs import input_paths
    from augmentlab.report.console import print_search
    from augmentlab.report.plots import search_plots
    from augmentlab.report.search_live import SearchDisplay
    from augmentlab.search.space import parse_space
    from augmentlab.search.storage import redact
    from augmentlab.search.study import SearchSettings, run_search

    settings = SearchSettings(budget=budget, seed=seed, backend=backend, storage=storage, study_name=study_name,
                              trial_fraction=trial_fraction, ray_address=ray_address)
    settings.check()  # cheap checks before loading anything
    inputs = input_paths(data, test, space, config)
    outputs = RunOutputs(runs, inputs, overwrite, json_out, options=ctx.params)
    tb = tensorboard_folder(tensorboard, inputs)
    _check_storage(storage, inputs, outputs)
    check_precision(precision)
    cpu_speed_settings(threads)
    options = read_options(mixed_sizes, label_from, sample_rate, duration, missing, target, column_types, unseen, modality)
    ds, test_ds, test = load_with_test(data, test, options)
    overlap = check_overlap(ds, test_ds, allow_overlap, data, test)  # before any training
    search_space = parse_space(space, ds.modality)
    if "copies" in ds.kind.options and copies is None:
        copies = 4  # searched policies carry no copies of their own
    protocol = lab_protocol(ds, per_class=per_class, train_size=train_size, seeds=seeds, steps=steps, model=model, copies=copies,
                            min_similarity=min_similarity, filter_model=filter_model, test_groups=parse_groups(test_groups),
                            metric=metric, weights=weights, device=_device(device), precision=precision)
    from augmentlab.data.load import dataset_identity

    data_id = {"data": dataset_identity(data), "test": dataset_identity(test) if test else None, "samples": len(ds)}
    with SearchDisplay() as display:
        results, _ = run_search(ds, search_space, protocol, settings, test_ds, data_id, display)
    results = {"data": data, "test": test, "space": search_space.to_dict(), **results, **({"overlap": overlap} if overlap else {})}
    run_dir = outputs.new_dir("search")
    results["plots"] = search_plots(results["trial_history"], run_dir, results["metric"])
    outputs.record(run_dir, "search", {"data": data, "test": test, "space": search_space.to_dict(), "budget": budget,
                                       "seeds": list(range(seeds)), "seed": seed, "backend": backend, "storage": redact(storage),
                                       "protocol": results["protocol"], "threads": threads, "read": asdict(options),
                                       **({"overlap": overlap} if overlap else {})}, results)
    write_tensorboard_for(tb, run_dir, "search", results)
    print_search(results)
    typer.echo(f"run directory: {run_dir}")


def _check_storage(storage: str | None, inputs, outputs: RunOutputs) -> None:
    """A SQLite --storage file is ours to create or resume; it must not be an input or
    another kind of file."""
    from augmentlab.outputs import check_apart, check_writable_folder, resolved

    prefix = "sqlite:///"
    if not storage or not storage.startswith(prefix):
        return
    path = resolved(storage[len(prefix):])
    check_apart(path, "--storage", inputs, shown=storage)
    if outputs.json is not None and outputs.json.path == path:
        raise AugmentlabError(f"--json and --storage both name {path}; give two files")
    check_writable_folder(path.parent, "--storage", storage)
    if path.exists():
        if not path.is_file():
            raise AugmentlabError(f"--storage {storage}: {path} is a folder; expected a SQLite file")
        with open(path, "rb") as f:
            head = f.read(16)
        if head and head != b"SQLite format 3\x00":
            raise AugmentlabError(f"--storage {storage}: {path} exists and is not a SQLite database; refusing to touch it")
