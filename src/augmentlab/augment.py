"""Augment a whole dataset with a policy, recording every applied parameter so the output
can be replayed byte for byte from the input and the manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import torch

from augmentlab import __version__
from augmentlab.data.dataset import Dataset
from augmentlab.data.load import output_formats
from augmentlab.data.mapped import release_rows
from augmentlab.errors import AugmentlabError
from augmentlab.heap import EveryN
from augmentlab.ops.image.targets import BoxFilter
from augmentlab.policy import (
    format_policy,
    params_from_json,
    params_to_json,
    policy_to_dict,
)
from augmentlab.policy.spec import policy_from_dict
from augmentlab.policy.targets import apply_to_batch
from augmentlab.policy.validate import check_params
from augmentlab.rng import torch_generator
from augmentlab.values import check_number, check_seed

MANIFEST_SUFFIX = ".manifest.json"


def dataset_digest(ds: Dataset) -> str:
    h = hashlib.sha256()
    ds.kind.hash_into(h, ds.data)
    release_rows(ds.data, 0, len(ds.data))  # a mapped input is read again batch by batch
    h.update(ds.labels.numpy().tobytes())
    return h.hexdigest()


def split_growth(policy) -> tuple[object, list]:
    """``(the policy on samples, the ops that add samples)``: oversamplers close a table
    policy (``gaussian_noise+smote``) and add rows before any copy is made. Other
    batch-level ops are left in place (``image_part`` refuses them)."""
    from augmentlab.policy.training import TrainingPolicy

    if not isinstance(policy, TrainingPolicy):
        return policy, []
    grow = [op for op in policy.batch_ops if getattr(op, "adds_rows", False)]
    if not grow:
        return policy, []
    if len(grow) < len(policy.batch_ops) or policy.features is not None:
        return policy, []  # refused as a training policy by the caller
    from augmentlab.ops.image.geometric import Identity

    return (policy.image if policy.image is not None else Identity()), grow


def grown(ds: Dataset, grow: list, seed: int) -> Dataset:
    """``ds`` with the rows the oversamplers ``grow`` add (drawn from child stream 1 of
    ``seed``; the copies draw from ``seed`` itself), appended after the originals."""
    from dataclasses import replace

    from augmentlab.rng import child_seeds

    g = torch_generator(child_seeds(seed, 2)[1])
    data, labels = ds.data, ds.labels
    for op in grow:
        data, labels = op.apply_batch(data, labels, ds.num_classes, g)
    return replace(ds, data=data, labels=torch.as_tensor(labels, dtype=torch.int64))


def augment_dataset(ds: Dataset, policy, copies: int, seed: int, batch_size: int = 256, progress=None,
                    box_filter: BoxFilter | None = None, grow: list | None = None):
    """Return ``(augmented dataset, records)``: the originals (and the rows ``grow``'s
    oversamplers add) followed by ``copies`` augmented copies of each, and the parameters
    applied to every batch. ``box_filter``: which moved boxes annotated images keep
    (default: clipped, those with no area dropped)."""
    _check_counts(copies, batch_size)
    if grow:
        ds = grown(ds, grow, check_seed(seed))
    records = []
    draw = _recorded_draws(ds, policy, seed, lambda params: records.append(params_to_json(params)))
    with ds.kind.context(ds.layout):
        return _apply_copies(ds, policy, copies, batch_size, draw, progress, box_filter), records


def _check_counts(copies: int, batch_size: int) -> None:
    check_number(copies, "copies", low=0, integer=True)
    check_number(batch_size, "batch_size", low=1, integer=True)


def _recorded_draws(ds: Dataset, policy, seed: int, record):
    """``draw(batch) -> params`` from one stream of ``seed``, each draw handed to ``record``."""
    g = torch_generator(check_seed(seed))

    def draw(x):
        params = policy.sample(g, len(x), ds.kind.sample_shape(x))
        record(params)
        return params

    return draw


def _check_input(ds: Dataset, manifest: dict) -> None:
    if manifest.get("input_sha256") != dataset_digest(ds):
        raise AugmentlabError(f"input {manifest.get('input')!r} differs from the one the manifest was made from (sha256 mismatch)")


def replay_dataset(ds: Dataset, manifest: dict, progress=None) -> Dataset:
    """Rebuild an augmented dataset from its input and manifest (no random draws). Every
    recorded parameter is checked against the policy before anything is applied."""
    _check_input(ds, manifest)
    with ds.kind.context(ds.layout):
        return _replay(ds, manifest, progress)


def manifest_growth(manifest: dict, modality: str) -> list:
    """The oversamplers a manifest recorded (none: an empty list)."""
    grow = manifest.get("grow", [])
    if not isinstance(grow, list):
        raise AugmentlabError(f"manifest grow: expected a list of oversamplers; got {type(grow).__name__}")
    if not grow:
        return []
    from augmentlab.policy.training import TrainingPolicy

    policy = policy_from_dict(grow, where="manifest grow", modality=modality)  # batch-level ops close a list
    if not (isinstance(policy, TrainingPolicy) and policy.image is None and policy.features is None
            and all(getattr(op, "adds_rows", False) for op in policy.batch_ops)):
        raise AugmentlabError("manifest grow: expected oversamplers only (ops that add rows)")
    return list(policy.batch_ops)


def _replay(ds: Dataset, manifest: dict, progress) -> Dataset:
    ds, policy, params_for = _replay_plan(ds, manifest)
    return _apply_copies(ds, policy, manifest["copies"], manifest["batch_size"], params_for, progress, manifest_box_filter(manifest))


def _replay_plan(ds: Dataset, manifest: dict):
    """``(the data with any rows the oversamplers add, the policy, params_for)``: every
    recorded draw checked against the policy and decoded, handed out in order."""
    policy = manifest_policy(manifest, ds.modality)
    grow = manifest_growth(manifest, ds.modality)
    if grow:  # the same rows again: the oversamplers are deterministic given the data and the seed
        ds = grown(ds, grow, check_seed(manifest.get("seed", 0), "manifest seed"))
    copies, batch_size = manifest["copies"], manifest["batch_size"]
    records = manifest["params"]
    expected = copies * -(-len(ds) // batch_size)
    if len(records) != expected:
        raise AugmentlabError(f"manifest params: expected {expected} batch records for {copies} copies in batches of "
                              f"{batch_size}; found {len(records)}")
    batches_per_copy = -(-len(ds) // batch_size)
    shape = sample_shape(ds)
    references = {}  # batch size -> a draw whose structure every record of that size must have
    decoded = []
    for i, record in enumerate(records):
        n = min(batch_size, len(ds) - (i % batches_per_copy) * batch_size)
        try:
            params = params_from_json(record)
        except (ValueError, TypeError, KeyError, RuntimeError) as e:
            raise AugmentlabError(f"manifest params[{i}]: not a valid parameter record ({e})") from None
        if n not in references:
            references[n] = policy.sample(torch_generator(0), n, shape)
        check_params(policy, params, n, shape, f"manifest params[{i}]", reference=references[n])
        decoded.append(params)
    index = iter(decoded)
    return ds, policy, lambda x: next(index)


def replay_into(writer, ds: Dataset, manifest: dict, progress=None) -> None:
    """``replay_dataset`` written batch by batch into ``writer`` (``Modality.batch_writer``)
    instead of held: memory stays at the input plus one batch."""
    _check_input(ds, manifest)
    with ds.kind.context(ds.layout):
        ds, policy, params_for = _replay_plan(ds, manifest)
        trim = EveryN()
        for batch, labels in _batches(ds, policy, manifest["copies"], manifest["batch_size"], params_for, progress,
                                      manifest_box_filter(manifest), sliced=True):
            writer.write(batch, labels)
            trim()


def sample_shape(ds: Dataset) -> tuple[int, ...]:
    return ds.kind.sample_shape(ds.data)


def manifest_policy(manifest: dict, modality: str = "image"):
    try:
        return policy_from_dict(manifest["policy"], where="manifest policy", modality=modality)
    except RecursionError:
        raise AugmentlabError("manifest policy: nested too deeply") from None


def _batches(ds: Dataset, policy, copies: int, batch_size: int, params_for, progress, box_filter=None, *, sliced=False):
    """``(batch, labels)``: the originals (whole, or ``sliced`` in batches so that no copy
    of the whole set is in flight while they are written), then ``copies`` passes of
    ``policy`` in batches, each batch with ``params_for(batch)``."""
    kind = ds.kind
    if sliced:
        for start in range(0, len(ds), batch_size):
            index = torch.arange(start, min(start + batch_size, len(ds)))
            batch = kind.take(ds.data, index)
            release_rows(ds.data, start, start + len(index))  # a mapped input's pages go back once copied
            yield batch, ds.labels[index]
    else:
        yield ds.data, ds.labels
    for _ in range(copies):
        for start in range(0, len(ds), batch_size):
            index = torch.arange(start, min(start + batch_size, len(ds)))
            x = kind.take(ds.data, index)
            release_rows(ds.data, start, start + len(index))
            yield apply_to_batch(policy, x, params_for(x), box_filter=box_filter), ds.labels[index]
            if progress:
                progress(len(x))


def _apply_copies(ds: Dataset, policy, copies: int, batch_size: int, params_for, progress, box_filter=None) -> Dataset:
    """The originals, then ``copies`` passes of ``policy``, joined."""
    data = ds.kind.concat([batch for batch, _ in _batches(ds, policy, copies, batch_size, params_for, progress, box_filter)])
    return ds.repeated(data, copies + 1)


def augment_into(writer, ds: Dataset, policy, copies: int, seed: int, batch_size: int = 256, progress=None,
                 box_filter: BoxFilter | None = None) -> list:
    """``augment_dataset`` written batch by batch into ``writer`` (``Modality.batch_writer``)
    instead of held, so memory stays at the input plus one batch; returns the records,
    each already as JSON text (``EncodedRecords``: as Python lists they took several times
    the output's size). The same seed gives the same bytes as writing ``augment_dataset``'s
    result."""
    _check_counts(copies, batch_size)
    records = EncodedRecords()
    draw = _recorded_draws(ds, policy, seed, lambda params: records.append(json.dumps(params_to_json(params))))
    with ds.kind.context(ds.layout):
        trim = EveryN()
        for batch, labels in _batches(ds, policy, copies, batch_size, draw, progress, box_filter, sliced=True):
            writer.write(batch, labels)
            trim()
    return records


def build_manifest(input_spec: str, ds: Dataset, policy, copies: int, seed: int, batch_size: int, fmt: str, records,
                   options=None, box_filter: BoxFilter | None = None, grow: list | None = None) -> dict:
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
        # how the input was read (label pattern, sample rate, ...), so replay reads it alike
        "read": {} if options is None else asdict(options),
        # which moved boxes were kept (annotated images), so replay keeps the same ones
        **({} if box_filter is None else {"box_filter": asdict(box_filter)}),
        # the oversamplers that added rows before the copies (tables), so replay adds the same
        **({"grow": [op.to_dict() for op in grow]} if grow else {}),
        "params": records,
    }


def manifest_read_options(manifest: dict, where):
    """The ``ReadOptions`` a manifest recorded (none recorded: the defaults)."""
    from augmentlab.data.read_options import ReadOptions

    read = manifest.get("read", {})
    try:
        return ReadOptions(**read)
    except TypeError:
        raise AugmentlabError(f"manifest {where}: read must map label_from, sample_rate, duration, mixed_sizes, missing; got {read!r}"[:300]) from None


def manifest_box_filter(manifest: dict) -> BoxFilter | None:
    """The ``BoxFilter`` a manifest recorded (none: the default one)."""
    if "box_filter" not in manifest:
        return None
    given = manifest["box_filter"]
    try:
        return BoxFilter(**given)
    except (TypeError, AugmentlabError) as e:
        raise AugmentlabError(f"manifest box_filter: expected min_area, min_visibility, min_width, min_height and clip; "
                              f"got {given!r} ({e})"[:300]) from None


def manifest_path(out: Path) -> Path:
    out = Path(out)
    if not out.name:  # ".", "..", "/": named by where they resolve to
        from augmentlab.outputs import resolved

        out = resolved(out)
    return out.with_name(out.name + MANIFEST_SUFFIX)


def save_with_manifest(ds: Dataset, out: Path, fmt: str, manifest: dict, *, replace: bool = False) -> None:
    """Write the data and its manifest together: both in full to temporary names, then
    renamed into place, all or none."""
    from augmentlab.data.load import is_folder_format, write_dataset
    from augmentlab.io_atomic import atomic_outputs

    with atomic_outputs([(out, is_folder_format(fmt)), (manifest_path(out), False)], replace=replace) as (tmp_data, tmp_manifest):
        write_dataset(tmp_data, ds, fmt)
        tmp_manifest.write_text(json.dumps(manifest), encoding="utf-8")


class EncodedRecords:
    """Parameter records as JSON text, spooled to a temporary file as they come (held as
    Python lists they took several times the output's size); ``write_manifest`` copies
    them into the manifest."""

    def __init__(self):
        import tempfile

        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.count = 0

    def append(self, text: str) -> None:
        self.file.write(", " + text if self.count else text)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def copy_to(self, out) -> None:
        import shutil

        self.file.seek(0)
        shutil.copyfileobj(self.file, out)

    def close(self) -> None:
        self.file.close()


def write_manifest(path: Path, manifest: dict) -> None:
    """``manifest`` as JSON, the same text as ``json.dumps(manifest)``; records spooled as
    text (``EncodedRecords``) are copied in from their file."""
    params = manifest.get("params")
    if not isinstance(params, EncodedRecords):
        Path(path).write_text(json.dumps(manifest), encoding="utf-8")
        return
    rest = {k: v for k, v in manifest.items() if k != "params"}
    head = json.dumps(rest)[:-1]  # without its closing brace
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + (", " if rest else "") + '"params": [')
        params.copy_to(f)
        f.write("]}")


def save_streamed(ds: Dataset, out: Path, fmt: str, total: int, fill, *, replace: bool = False) -> dict:
    """Write ``total`` samples as ``fmt`` through ``fill(writer) -> manifest`` and the
    manifest beside them, all or none (as ``save_with_manifest``); returns the manifest."""
    from augmentlab.data.load import is_folder_format
    from augmentlab.io_atomic import atomic_outputs

    with atomic_outputs([(out, is_folder_format(fmt)), (manifest_path(out), False)], replace=replace) as (tmp_data, tmp_manifest):
        with ds.kind.batch_writer(tmp_data, ds, fmt, total) as writer:
            manifest = fill(writer)
        write_manifest(tmp_manifest, manifest)
    if isinstance(manifest.get("params"), EncodedRecords):
        manifest["params"].close()
    return manifest


def estimated_bytes(ds: Dataset, copies: int) -> int:
    """Memory an augmented set of ``ds`` with ``copies`` copies takes (Python ints: no overflow)."""
    per_sample = ds.kind.sample_bytes(ds.data)
    return len(ds) * (int(copies) + 1) * (per_sample + 8)


def read_manifest(path: Path) -> dict:
    """A manifest's fields, each checked for type and range (it may have been edited)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AugmentlabError(f"manifest {path}: no such file") from None
    except IsADirectoryError:
        raise AugmentlabError(f"manifest {path}: is a folder; expected a .manifest.json file") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise AugmentlabError(f"manifest {path}: not valid JSON ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise AugmentlabError(f"manifest {path}: expected a JSON object; got {type(data).__name__}")
    missing = [k for k in ("input", "input_sha256", "policy", "copies", "batch_size", "format", "params") if k not in data]
    if missing:
        raise AugmentlabError(f"manifest {path}: missing field {missing[0]!r}; is this an augmentlab manifest?")
    for key in ("input", "input_sha256"):
        if not isinstance(data[key], str) or not data[key]:
            raise AugmentlabError(f"manifest {path}: {key} must be a non-empty string; got {data[key]!r}"[:300])
    check_number(data["copies"], f"manifest {path}: copies", low=0, integer=True)
    check_number(data["batch_size"], f"manifest {path}: batch_size", low=1, integer=True)
    if "seed" in data:
        check_seed(data["seed"], f"manifest {path}: seed")
    from augmentlab.stream_augment import check_stream_manifest, is_stream_manifest

    if is_stream_manifest(data):
        check_stream_manifest(data, path)
        return data
    formats = output_formats()
    if data["format"] not in formats:
        raise AugmentlabError(f"manifest {path}: format {data['format']!r} is unknown; expected one of {', '.join(formats)}"[:300])
    if not isinstance(data["params"], list):
        raise AugmentlabError(f"manifest {path}: params must be a list of batch records; got {type(data['params']).__name__}")
    return data


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is a manifest that ``augment`` or ``replay`` wrote."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "augmentlab_version" in data and "input_sha256" in data
