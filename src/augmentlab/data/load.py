"""Format detection: a dataset argument is a built-in name or a path (.npz file, a folder
of IDX files, an image folder, a TSV/CSV text table or a folder with ``train.tsv``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from augmentlab.data.builtin import digits
from augmentlab.data.dataset import Dataset
from augmentlab.data.folder import read_image_folder, write_image_folder
from augmentlab.data.idx import find_idx_pair, read_idx
from augmentlab.data.npz import read_npz, write_npz
from augmentlab.data.text import find_text_file, read_text_table, write_text_table
from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path

BUILTINS: dict[str, Callable[[], Dataset]] = {"digits": digits}


def _read_idx_folder(images_path: Path, labels_path: Path) -> Dataset:
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise AugmentlabError(f"{images_path}: expected a rank-3 IDX image array (N×H×W); got rank {images.ndim}")
    if labels.ndim != 1:
        raise AugmentlabError(f"{labels_path}: expected a rank-1 IDX label array; got rank {labels.ndim}")
    if len(images) != len(labels):
        raise AugmentlabError(f"{images_path.parent}: {len(images)} images but {len(labels)} labels; the counts must agree")
    if not np.issubdtype(labels.dtype, np.integer):
        raise AugmentlabError(f"{labels_path}: labels must be integers; the IDX file holds {labels.dtype}")
    return Dataset.from_images(images, labels.astype(np.int64), None, "idx", where=str(images_path))


def load_dataset(spec: str | Path, *, on_mixed_sizes: str = "resize", like: Dataset | None = None) -> Dataset:
    """Load a dataset from a built-in name or a path, detecting the format. ``like``: the
    training data a test set must match (text labels are read against its classes)."""
    text = str(spec)
    if text in BUILTINS:
        return BUILTINS[text]()
    path = Path(text)
    if not path.exists():
        raise AugmentlabError(
            f"dataset {text!r}: no such file or folder, and not a built-in name (built-ins: {', '.join(sorted(BUILTINS))})"
        )
    text_file = find_text_file(path)
    if text_file is not None:
        names = like.class_names if like is not None and like.modality == "text" else None
        return read_text_table(text_file, names)
    if path.is_file():
        if path.suffix == ".npz":
            return read_npz(path)
        if "idx" in path.name and "ubyte" in path.name:
            pair = find_idx_pair(path.parent)
            if pair is None:
                raise AugmentlabError(f"{path}: expected an IDX images file (*idx3-ubyte) and a labels file (*idx1-ubyte) beside it")
            return _read_idx_folder(*pair)
        raise AugmentlabError(f"{path}: unknown dataset format; expected .npz, a folder of IDX files, an image folder, "
                              "or a .tsv/.csv text table")
    pair = find_idx_pair(path)
    if pair is not None:
        return _read_idx_folder(*pair)
    return read_image_folder(path, on_mixed_sizes=on_mixed_sizes)


def output_format(ds: Dataset, out: Path) -> str:
    """How ``out`` is written: ``text`` for text data (a .tsv or .csv name, as the input);
    ``npz`` for a .npz name; ``folder`` for an image folder's output with no file suffix.
    A name that does not fit the data is refused rather than written misleadingly."""
    suffix = Path(out).suffix.lower()
    if ds.modality == "text":
        want = ".tsv" if getattr(ds.layout, "delimiter", "\t") == "\t" else ".csv"
        if suffix != want:
            raise AugmentlabError(f"--out {out}: text read from a {want} table is written as {want}; name the output *{want}")
        return "text"
    if suffix == ".npz":
        return "npz"
    if ds.source_format == "folder" and suffix not in FILE_SUFFIXES:
        return "folder"
    hint = "a .npz file or a folder name" if ds.source_format == "folder" else "a .npz file name"
    raise AugmentlabError(f"--out {out}: images are written as {hint}")


# names that look like files, never taken as an image folder's name
FILE_SUFFIXES = {".npz", ".tsv", ".csv", ".json", ".yaml", ".yml", ".png", ".jpg", ".jpeg", ".txt", ".gz", ".safetensors"}


def write_dataset(path: Path, ds: Dataset, fmt: str) -> None:
    """Write ``ds`` as ``fmt`` into ``path`` (a fresh file or an empty folder)."""
    writers = {"npz": write_npz, "text": write_text_table, "folder": write_image_folder}
    if fmt not in writers:
        raise AugmentlabError(f"unknown output format {fmt!r}; expected 'npz', 'folder' or 'text'")
    if (fmt == "text") != (ds.modality == "text"):
        raise AugmentlabError(f"format {fmt!r} does not fit {ds.modality} data")
    writers[fmt](path, ds)


def save_dataset(ds: Dataset, out: str | Path, fmt: str | None = None, *, replace: bool = False) -> str:
    """Write ``ds`` atomically as ``npz``, an image ``folder`` or a ``text`` table; returns
    the format used. An existing ``out`` is replaced only with ``replace``."""
    out = Path(out)
    fmt = fmt or output_format(ds, out)
    with atomic_path(out, directory=fmt == "folder", replace=replace) as tmp:
        write_dataset(tmp, ds, fmt)
    return fmt
