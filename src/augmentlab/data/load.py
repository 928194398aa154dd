"""Format detection: a dataset argument is a built-in name or a path that a registered
modality claims (``augmentlab.modality``: .npz, IDX and image folders are images; TSV/CSV
tables are text)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from augmentlab.data.builtin import canvas_det, canvas_seg, digits
from augmentlab.data.dataset import Dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path
from augmentlab.modality import modalities

BUILTINS: dict[str, Callable[[], Dataset]] = {"digits": digits, "canvas-seg": canvas_seg, "canvas-det": canvas_det}


def load_dataset(spec: str | Path, *, on_mixed_sizes: str | None = None, like: Dataset | None = None,
                 options: ReadOptions | None = None) -> Dataset:
    """Load a dataset from a built-in name or a path, detecting the format. ``like``: the
    training data a test set must match (text labels are read against its classes);
    ``options``: how to read it (``on_mixed_sizes`` is the shorthand for one field)."""
    options = options or ReadOptions()
    if on_mixed_sizes is not None:
        options = replace(options, mixed_sizes=on_mixed_sizes)
    text = str(spec)
    if text in BUILTINS:
        return BUILTINS[text]()
    path = Path(text)
    if not path.exists():
        raise AugmentlabError(
            f"dataset {text!r}: no such file or folder, and not a built-in name (built-ins: {', '.join(sorted(BUILTINS))})"
        )
    if options.modality is not None:  # the user's word over any reader's claim
        from augmentlab.modality import get_modality

        return get_modality(options.modality).read(path, like=like, options=options)
    claims = [(kind.claims(path, options), -rank, kind) for rank, kind in enumerate(modalities())]
    best, _, kind = max(claims, key=lambda c: c[:2])
    if best <= 0:
        known = [k.files for k in modalities()]
        raise AugmentlabError(f"{path}: unknown dataset format; expected {', '.join(known[:-1])}, or {known[-1]}")
    return kind.read(path, like=like, options=options)


def output_format(ds: Dataset, out: Path) -> str:
    """How ``out`` is written (``npz``, ``folder``, ``text``, ...), as the data's modality
    decides; a name that does not fit the data is refused rather than written misleadingly."""
    return ds.kind.output_format(ds, Path(out))


def write_dataset(path: Path, ds: Dataset, fmt: str) -> None:
    """Write ``ds`` as ``fmt`` into ``path`` (a fresh file or an empty folder)."""
    known = output_formats()
    if fmt not in known:
        raise AugmentlabError(f"unknown output format {fmt!r}; expected {', '.join(repr(f) for f in known)}")
    if fmt not in ds.kind.formats:
        raise AugmentlabError(f"format {fmt!r} does not fit {ds.modality} data")
    ds.kind.write(path, ds, fmt)


def save_dataset(ds: Dataset, out: str | Path, fmt: str | None = None, *, replace: bool = False) -> str:
    """Write ``ds`` atomically in ``fmt`` (by default the one its modality picks for
    ``out``); returns the format used. An existing ``out`` is replaced only with ``replace``."""
    out = Path(out)
    fmt = fmt or output_format(ds, out)
    with atomic_path(out, directory=is_folder_format(fmt), replace=replace) as tmp:
        write_dataset(tmp, ds, fmt)
    return fmt


def output_formats() -> tuple[str, ...]:
    """Every format a registered modality writes (what a manifest may name)."""
    return tuple(f for kind in modalities() for f in kind.formats)


def is_folder_format(fmt: str) -> bool:
    """Whether a registered modality writes ``fmt`` as a folder (an image folder) rather than a file."""
    return any(fmt in kind.folder_formats for kind in modalities())


def dataset_identity(data: str) -> str:
    """A dataset's identity for resuming and for checkpoints: the resolved path, or the built-in name."""
    path = Path(data)
    return str(path.resolve()) if path.exists() else data
