"""Augment a whole dataset with a policy, recording every applied parameter so the output
can be replayed byte for byte from the input and the manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from augmentlab import __version__
from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.policy import (
    format_policy,
    params_from_json,
    params_to_json,
    policy_to_dict,
)
from augmentlab.policy.spec import policy_from_dict
from augmentlab.rng import torch_generator

MANIFEST_SUFFIX = ".manifest.json"


def dataset_digest(ds: Dataset) -> str:
    h = hashlib.sha256()
    if ds.modality == "text":  # each sentence length-prefixed, so boundaries count
        for text in ds.data:
            b = str(text).encode("utf-8")
            h.update(len(b).to_bytes(8, "little") + b)
    else:
        h.update(ds.data.contiguous().numpy().tobytes())
    h.update(ds.labels.numpy().tobytes())
    return h.hexdigest()


def augment_dataset(ds: Dataset, policy, copies: int, seed: int, batch_size: int = 256, progress=None):
    """Return ``(augmented dataset, records)``: the originals followed by ``copies``
    augmented copies of each, and the parameters applied to every batch."""
    if copies < 0:
        raise AugmentlabError(f"--copies must be 0 or more; got {copies}")
    if batch_size < 1:
        raise AugmentlabError(f"batch size must be at least 1; got {batch_size}")
    g = torch_generator(seed)
    records = []

    def draw(x):
        params = policy.sample(g, x.shape[0], tuple(x.shape[1:]))
        records.append(params_to_json(params))
        return params

    return _apply_copies(ds, policy, copies, batch_size, draw, progress), records


def replay_dataset(ds: Dataset, manifest: dict, progress=None) -> Dataset:
    """Rebuild an augmented dataset from its input and manifest (no random draws)."""
    if manifest.get("input_sha256") != dataset_digest(ds):
        raise AugmentlabError(f"input {manifest.get('input')!r} differs from the one the manifest was made from (sha256 mismatch)")
    policy = policy_from_dict(manifest["policy"])
    copies, batch_size = int(manifest["copies"]), int(manifest["batch_size"])
    records = manifest["params"]
    expected = copies * -(-len(ds) // batch_size)
    if not isinstance(records, list) or len(records) != expected:
        raise AugmentlabError(f"manifest params: expected {expected} batch records for {copies} copies in batches of "
                              f"{batch_size}; found {len(records) if isinstance(records, list) else type(records).__name__}")
    index = iter(range(expected))

    def recorded(x):
        i = next(index)
        try:
            return params_from_json(records[i])
        except (ValueError, TypeError, KeyError) as e:
            raise AugmentlabError(f"manifest params[{i}]: not a valid parameter record ({e})") from None

    try:
        return _apply_copies(ds, policy, copies, batch_size, recorded, progress)
    except (KeyError, IndexError, RuntimeError) as e:
        raise AugmentlabError(f"manifest params: the records do not fit the policy ({type(e).__name__}: {e})") from None


def _apply_copies(ds: Dataset, policy, copies: int, batch_size: int, params_for, progress) -> Dataset:
    """The originals, then ``copies`` passes of ``policy`` in batches, each batch with
    ``params_for(batch)``."""
    text = isinstance(ds.data, np.ndarray)  # a text batch: a 1-D object array of str
    parts = [ds.data]
    for _ in range(copies):
        out = np.empty(len(ds), dtype=object) if text else torch.empty_like(ds.data)
        for start in range(0, len(ds), batch_size):
            x = ds.data[start : start + batch_size]
            out[start : start + len(x)] = policy.apply(x, params_for(x))
            if progress:
                progress(len(x))
        parts.append(out)
    data = np.concatenate(parts) if text else torch.cat(parts)
    return ds.with_data(data, ds.labels.repeat(copies + 1))


def build_manifest(input_spec: str, ds: Dataset, policy, copies: int, seed: int, batch_size: int, fmt: str, records) -> dict:
    from augmentlab.data.load import BUILTINS

    # an absolute path, so `replay` works from any directory (built-in names stay names)
    source = input_spec if input_spec in BUILTINS else str(Path(input_spec).resolve())
    return {
        "augmentlab_version": __version__,
        "input": source,
        "input_sha256": dataset_digest(ds),
        "policy_spec": format_policy(policy),
        "policy": policy_to_dict(policy),
        "seed": seed,
        "copies": copies,
        "batch_size": batch_size,
        "format": fmt,
        "params": records,
    }


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + MANIFEST_SUFFIX)


def read_manifest(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AugmentlabError(f"manifest {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AugmentlabError(f"manifest {path}: not valid JSON ({e.__class__.__name__})") from None
    missing = [k for k in ("input", "input_sha256", "policy", "copies", "batch_size", "format", "params") if k not in data]
    if missing:
        raise AugmentlabError(f"manifest {path}: missing field {missing[0]!r}; is this an augmentlab manifest?")
    return data
