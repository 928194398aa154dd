"""``augment`` and ``replay`` on image sets streamed a chunk at a time (``--workers``,
``--backend``, or a folder of shards): the command side of ``augmentlab.stream_augment``."""

from __future__ import annotations

from pathlib import Path

import typer

from augmentlab.cli_support import dataset_output, progress_bar
from augmentlab.errors import AugmentlabError

WORKERS = typer.Option(None, "--workers", help="Stream: read, augment and write a chunk at a time in N processes "
                                               "(the output is the same for any N; a folder of shards streams anyway).")
BACKEND = typer.Option("local", "--backend", help="Streaming: local processes, or ray (Ray Data; the distributed extra).")


def wants_stream(data: str, workers: int | None, backend: str) -> bool:
    """Stream when asked (``--workers``, ``--backend ray``) or when the input is a folder of
    shards, which only the streamed reader reads."""
    from augmentlab.data.shards import shard_files_kind

    return workers is not None or backend != "local" or shard_files_kind(Path(data)) is not None


def _check_flags(workers: int | None, backend: str) -> None:
    from augmentlab.stream_augment import BACKENDS
    from augmentlab.values import check_number

    if workers is not None:
        check_number(workers, "--workers", low=1, high=1024, integer=True)
    if backend not in BACKENDS:
        raise AugmentlabError(f"--backend {backend!r}: expected one of {', '.join(BACKENDS)}")


def _source(data: str, label_column: str | None):
    from augmentlab.data.load import BUILTINS
    from augmentlab.data.shards import WHAT, open_source

    if data in BUILTINS and not Path(data).exists():
        raise AugmentlabError(f"{data}: built-in data is augmented in memory; streaming (--workers, --backend) reads {WHAT}")
    return open_source(data, label_column)


def _output(out: Path, source, inputs, overwrite: bool):
    from augmentlab.outputs import FILE_SUFFIXES

    if source.single and out.suffix.lower() != source.suffix:
        raise AugmentlabError(f"--out {out}: a streamed {source.suffix} file is written as a {source.suffix} file")
    if not source.single and out.suffix.lower() in FILE_SUFFIXES:
        raise AugmentlabError(f"--out {out}: {source.path} is streamed into a folder; give a folder name")
    return dataset_output(out, inputs, overwrite, folder=not source.single)


def _run(job, workers: int, backend: str, label: str, total: int):
    from augmentlab.stream_augment import run_job

    bar, advance = progress_bar(total, label)
    started = False

    def step(n: int) -> None:
        nonlocal started
        if not started:  # after the workers are forked: no drawing thread is copied into them
            bar.start()
            started = True
        advance(n)

    try:
        return run_job(job, workers, backend, step)
    finally:
        if started:
            bar.stop()


def augment_streamed(data: str, policy_spec: str, copies: int, seed: int, out: Path, batch_size: int, overwrite: bool,
                     workers: int | None, backend: str, label_column: str | None, size_check: bool) -> None:
    from augmentlab.augment import manifest_path, split_growth
    from augmentlab.io_atomic import atomic_outputs
    from augmentlab.outputs import check_disk, input_paths
    from augmentlab.policy import load_policy, policy_to_dict
    from augmentlab.policy.modality import check_modality
    from augmentlab.policy.training import image_part
    from augmentlab.stream_augment import StreamJob, stream_manifest
    _check_flags(workers, backend)
    inputs = input_paths(data, policy_spec)
    source = _source(data, label_column)
    pol, grow = split_growth(load_policy(policy_spec, "image"))
    if grow:
        raise AugmentlabError(f"--policy: {' and '.join(op.name for op in grow)} add table rows; streaming augments images")
    pol = image_part(pol, "augment")
    check_modality(pol, "image")
    source.check_copies(copies)
    dest = _output(out, source, inputs, overwrite)
    total = source.total()
    if size_check:
        check_disk(source.input_bytes() * (copies + 1), dest.path.parent, f"{total} images with {copies} copies each", "--no-size-check")
    units = tuple(source.units(batch_size))
    with atomic_outputs([(dest.path, not source.single), (manifest_path(dest.path), False)], replace=dest.replace) as (tmp, tmp_manifest):
        job = StreamJob(source, units, policy_to_dict(pol), seed, copies, batch_size, str(tmp))
        results = _run(job, workers or 1, backend, "augmenting", total)
        manifest = stream_manifest(data, job, results, label_column)
        _write_json(tmp_manifest, manifest)
    n = workers or 1
    how = f"{len(units)} unit{'s' if len(units) > 1 else ''}, {n} {'Ray' if backend == 'ray' else 'local'} worker{'s' if n > 1 else ''}"
    typer.echo(f"wrote {total * (copies + 1)} images ({total} originals + {copies} copies) to {out} [{source.kind}, {how}], "
               f"manifest {manifest_path(out)}")


def _write_json(path: Path, data: dict) -> None:
    import json

    path.write_text(json.dumps(data), encoding="utf-8")


def replay_streamed(manifest: dict, manifest_file: Path, out: Path, data: str | None, overwrite: bool,
                    workers: int | None, backend: str) -> None:
    from augmentlab.augment import manifest_path, manifest_policy
    from augmentlab.io_atomic import atomic_outputs
    from augmentlab.outputs import input_paths
    from augmentlab.policy.training import image_part
    from augmentlab.stream_augment import StreamJob, check_outputs, check_stream_manifest, check_units

    _check_flags(workers, backend)
    check_stream_manifest(manifest, manifest_file)
    image_part(manifest_policy(manifest, "image"), "replay")  # checked here, before any worker rebuilds it
    source_spec = data or manifest["input"]
    inputs = input_paths(source_spec, manifest_file)
    source = _source(source_spec, manifest.get("read", {}).get("target"))
    if source.kind != manifest["format"]:
        raise AugmentlabError(f"manifest {manifest_file}: format {manifest['format']!r}, but {source_spec} holds {source.kind}")
    dest = _output(out, source, inputs, overwrite)
    units = tuple(source.units(manifest["batch_size"]))
    check_units(manifest, units)
    with atomic_outputs([(dest.path, not source.single), (manifest_path(dest.path), False)], replace=dest.replace) as (tmp, tmp_manifest):
        job = StreamJob(source, units, manifest["policy"], manifest.get("seed", 0), manifest["copies"], manifest["batch_size"],
                        str(tmp), tuple(u["input_sha256"] for u in manifest["units"]))
        results = _run(job, workers or 1, backend, "replaying", sum(u.samples for u in units))
        check_outputs(manifest, results)
        _write_json(tmp_manifest, manifest)
    typer.echo(f"replayed {sum(u.samples for u in units) * (manifest['copies'] + 1)} images to {out}")
