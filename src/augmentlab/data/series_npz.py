"""Series in ``.npz``: ``x`` (N, C, T) or (N, T) float, ``y`` labels, and optionally
``lengths`` (N,) for series padded at the end and ``class_names`` (then integer labels
index them; without them the distinct labels are the classes, numbers in numeric order)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from augmentlab.data.series import SeriesFile, check_missing, fill_missing, label_indices
from augmentlab.errors import AugmentlabError


def holds_series(path: Path) -> bool:
    """Whether ``path`` is an ``.npz`` whose ``x`` is float (images are uint8)."""
    if path.suffix.lower() != ".npz" or not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as f:
            return "x" in f.files and np.issubdtype(f["x"].dtype, np.floating)
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


def read_series_npz(path: str | Path, *, missing: str = "refuse") -> SeriesFile:
    path = Path(path)
    check_missing(missing)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise AugmentlabError(f"{path}: not a readable .npz ({e.__class__.__name__})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise AugmentlabError(f"{path}: has no {key!r} array; expected x (N, C, T) float series and y labels")
    x = arrays["x"]
    if not np.issubdtype(x.dtype, np.floating):
        raise AugmentlabError(f"{path}: x is {x.dtype}; series are float")
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3 or 0 in x.shape:
        raise AugmentlabError(f"{path}: x has shape {tuple(arrays['x'].shape)}; expected (N, C, T) or (N, T) with no empty axis")
    if np.isinf(x).any():
        raise AugmentlabError(f"{path}: x holds infinite values")
    N, C, T = x.shape
    y = arrays["y"]
    if y.ndim != 1 or len(y) != N:
        raise AugmentlabError(f"{path}: y has shape {tuple(y.shape)}; expected one label per series ({N})")
    lengths = arrays.get("lengths", np.full(N, T))
    if lengths.shape != (N,) or not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 1 or lengths.max() > T:
        raise AugmentlabError(f"{path}: lengths must be N = {N} integers in [1, {T}]")
    if "class_names" in arrays:  # y: indices into them (integers) or the names themselves
        names = tuple(str(n) for n in arrays["class_names"].tolist())
        given = [names[v] if np.issubdtype(y.dtype, np.integer) and 0 <= v < len(names) else v for v in y.tolist()]
        labels, names = label_indices(given, str(path), names)
    else:  # the distinct labels, numbers in numeric order
        labels, names = label_indices(y.tolist(), str(path))
    out = np.zeros((N, C, T), np.float32)
    for i in range(N):
        for c in range(C):
            out[i, c, : lengths[i]] = fill_missing(x[i, c, : lengths[i]].astype(np.float64), missing, f"{path}: series {i}, channel {c + 1}")
    return SeriesFile(out, lengths.astype(np.int64), labels, names, path.stem)


def write_series_npz(path: str | Path, data: SeriesFile) -> None:
    """``x``, ``y`` (label indices), ``lengths`` and ``class_names``: what ``read_series_npz`` reads back."""
    with open(path, "wb") as f:
        np.savez_compressed(f, x=np.asarray(data.x, np.float32), y=np.asarray(data.labels, np.int64),
                            lengths=np.asarray(data.lengths, np.int64), class_names=np.array(data.class_names))
