"""Augment image sets larger than memory: read, augment and write a chunk at a time, in
one process, in ``workers`` processes, or on a Ray cluster, with the same bytes out
whichever way the work is shared.

Why the bytes do not depend on the workers: every chunk's draws come from a stream named
by ``(seed, copy, shard, the chunk's first position, size group)`` (the images of a chunk
that share a size are augmented as one batch), and every unit of work writes its own
output (a shard file, or one file per image). Which process ran a unit, and when, enters
nothing. ``batch_size`` does: it decides the chunks, so the manifest records it.

The manifest records, per unit, the SHA-256 of the bytes read and of the bytes written,
so ``replay`` can check both the input and its own output.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from augmentlab import __version__
from augmentlab.data.shards import STREAM_FORMATS, ShardSource, Unit
from augmentlab.errors import AugmentlabError
from augmentlab.heap import EveryN
from augmentlab.rng import key_seed, torch_generator

BACKENDS = ("local", "ray")
DRAWS = "one stream per (seed, copy, shard, chunk start, size group)"


@dataclass(frozen=True)
class StreamJob:
    """Everything a worker needs for any unit (a Ray task gets it pickled; forked workers
    inherit it). ``policy`` is the policy's dict form, rebuilt where it runs."""

    source: ShardSource
    units: tuple[Unit, ...]
    policy: dict
    seed: int
    copies: int
    batch_size: int
    out: str
    expected: tuple[str, ...] | None = None  # replay: each unit's recorded input digest


def augment_chunk(policy, chunk, seed: int, shard: int, copies: int) -> list[list[np.ndarray]]:
    """``copies`` lists of augmented images, one per image of ``chunk`` (H×W×C uint8)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, image in enumerate(chunk.images):
        groups.setdefault(image.shape, []).append(i)
    out: list[list] = [[None] * len(chunk) for _ in range(copies)]
    for group, index in enumerate(groups.values()):
        batch = torch.from_numpy(np.stack([chunk.images[i] for i in index])).permute(0, 3, 1, 2).contiguous()
        shape = tuple(batch.shape[1:])
        for c in range(copies):
            params = policy.sample(torch_generator(key_seed(seed, c + 1, shard, chunk.first, group)), len(index), shape)
            result = policy.apply(batch, params).permute(0, 2, 3, 1).contiguous().numpy()
            for k, i in enumerate(index):
                out[c][i] = result[k]
    return out


_POLICIES: dict[int, object] = {}  # per process: the policy rebuilt from the job's dict


def _policy(job: StreamJob):
    from augmentlab.policy.spec import policy_from_dict

    key = id(job.policy)
    if key not in _POLICIES:
        _POLICIES.clear()
        _POLICIES[key] = policy_from_dict(job.policy, where="policy", modality="image")
    return _POLICIES[key]


def run_unit(job: StreamJob, index: int, progress=None) -> dict:
    """Augment and write unit ``index``; returns its record for the manifest."""
    unit = job.units[index]
    policy = _policy(job)
    read = job.source.input_digest(unit)
    if job.expected is not None and read != job.expected[index]:
        raise AugmentlabError(f"input {unit.output or job.source.path.name}: differs from the one the manifest was made from "
                              "(sha256 mismatch)")
    trim = EveryN(8)
    with job.source.writer(unit, Path(job.out), job.copies) as writer:
        for chunk in job.source.chunks(unit, job.batch_size):
            writer.write(chunk, augment_chunk(policy, chunk, job.seed, unit.shard, job.copies))
            trim()
            if progress is not None:
                progress(len(chunk))
    return {"unit": index, "output": unit.output, "shard": unit.shard, "start": unit.start, "stop": unit.stop,
            "input_sha256": read, "output_sha256": writer.digest()}


@contextlib.contextmanager
def _one_thread():
    """Run with one torch thread, as the worker processes do (and put the count back)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_job(job: StreamJob, workers: int = 1, backend: str = "local", progress=None) -> list[dict]:
    """Every unit of ``job``, in order of units, by one of the backends."""
    from augmentlab.values import check_number

    check_number(workers, "workers", low=1, high=1024, integer=True)
    if backend not in BACKENDS:
        raise AugmentlabError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}", field="backend")
    if backend == "ray":
        from augmentlab.stream_ray import run_on_ray

        results = run_on_ray(job, workers, progress)
    elif workers == 1 or len(job.units) == 1:
        with _one_thread():
            results = [run_unit(job, i, progress) for i in range(len(job.units))]
    else:
        from augmentlab.stream_pool import run_in_processes

        results = run_in_processes(job, workers, progress)
    return sorted(results, key=lambda r: r["unit"])


def combined_digest(results: list[dict]) -> str:
    """One SHA-256 for the whole input, from its units' digests in order."""
    h = hashlib.sha256()
    for r in results:
        h.update(f"{r['output']}\0{r['start']}\0{r['stop']}\0{r['input_sha256']}\n".encode())
    return h.hexdigest()


def stream_manifest(input_spec: str, job: StreamJob, results: list[dict], label_column: str | None) -> dict:
    from augmentlab.policy import format_policy
    from augmentlab.policy.spec import policy_from_dict

    policy = policy_from_dict(job.policy, where="policy", modality="image")
    return {
        "augmentlab_version": __version__,
        "input": str(Path(input_spec).resolve()),
        "input_sha256": combined_digest(results),
        "policy_spec": format_policy(policy),
        "policy": job.policy,
        "seed": job.seed,
        "copies": job.copies,
        "batch_size": job.batch_size,
        "format": job.source.kind,
        "read": {"target": label_column} if label_column else {},
        "draws": DRAWS,
        "units": [{k: r[k] for k in ("output", "shard", "start", "stop", "input_sha256", "output_sha256")} for r in results],
        "params": [],  # nothing to record: the draws follow from the seed and each chunk's place
    }


def is_stream_manifest(manifest: dict) -> bool:
    return "units" in manifest


def check_stream_manifest(manifest: dict, where) -> None:
    """The fields a streamed manifest adds, checked for type (it may have been edited)."""
    if manifest["format"] not in STREAM_FORMATS:
        raise AugmentlabError(f"manifest {where}: format {manifest['format']!r} is not a streamed format; "
                              f"expected one of {', '.join(STREAM_FORMATS)}")
    units = manifest["units"]
    if not isinstance(units, list) or not all(isinstance(u, dict) for u in units):
        raise AugmentlabError(f"manifest {where}: units must be a list of unit records")
    for i, u in enumerate(units):
        for key, kind in (("output", str), ("shard", int), ("start", int), ("stop", int), ("input_sha256", str), ("output_sha256", str)):
            if not isinstance(u.get(key), kind) or isinstance(u.get(key), bool):
                raise AugmentlabError(f"manifest {where}: units[{i}].{key} must be a {kind.__name__}; got {u.get(key)!r}"[:300])


def check_units(manifest: dict, units: tuple[Unit, ...]) -> None:
    """A replay must find the shards the manifest lists, cut into the same units."""
    recorded = manifest["units"]
    if [(u["output"], u["shard"], u["start"], u["stop"]) for u in recorded] != [(u.output, u.shard, u.start, u.stop) for u in units]:
        raise AugmentlabError(f"input {manifest['input']!r}: its shards differ from the ones the manifest lists "
                              f"({len(units)} units now, {len(recorded)} recorded)"[:300])


def check_outputs(manifest: dict, results: list[dict]) -> None:
    """A replay must write the bytes the manifest recorded."""
    for r, u in zip(results, manifest["units"]):
        if r["output_sha256"] != u["output_sha256"]:
            name = u["output"] or Path(manifest["input"]).name
            raise AugmentlabError(f"replay of {name} wrote other bytes than recorded (made by augmentlab "
                                  f"{manifest.get('augmentlab_version')}, replayed by {__version__})")
