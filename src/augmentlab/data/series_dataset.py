"""Series files as datasets and back, and the archive's own train/test split.

In a dataset, series are one (N, C, T) float32 tensor padded with NaN after each series'
length: the padding travels with every subset, batch and augmented copy, and every series
op and model reads each length from it (``ops/kernels/series.series_lengths``). A series
that ends in missing values would therefore look shorter; such files are refused unless
the missing values are interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.series import SeriesFile
from augmentlab.errors import AugmentlabError

TRAIN, TEST = "_TRAIN.ts", "_TEST.ts"


@dataclass(frozen=True)
class SeriesLayout:
    """How a series set was read: its name (``@problemName``) and the file it came from."""

    name: str
    path: str


def to_dataset(sf: SeriesFile, source_format: str, path: Path) -> Dataset:
    """A ``SeriesFile`` (zero-padded, lengths apart) as a NaN-padded series dataset."""
    x = np.array(sf.x, np.float32, copy=True)
    N, C, T = x.shape
    for i, length in enumerate(sf.lengths.tolist()):
        if np.isnan(x[i, :, length - 1]).all():
            raise AugmentlabError(f"{path}: series {i + 1} ends in values that are not given, which would shorten it "
                                  "(a series ends where its trailing NaN begin); pass missing='interpolate'", field="missing")
        x[i, :, length:] = np.nan
    return Dataset(torch.from_numpy(x), torch.from_numpy(np.asarray(sf.labels, np.int64)), tuple(sf.class_names), "series",
                   source_format, layout=SeriesLayout(sf.name, str(path)))


def series_lengths(x: torch.Tensor) -> torch.Tensor:
    """(N,) int64 lengths of (N, C, T) series padded with NaN at the end: the last step at
    which some channel holds a value, plus one (at least 1)."""
    N, C, T = x.shape
    valid = ~torch.isnan(x).all(dim=1)  # (N, T)
    steps = torch.arange(1, T + 1, device=x.device).view(1, T)
    return torch.where(valid, steps, torch.zeros_like(steps)).amax(dim=1).clamp_min(1)


def to_series_file(ds: Dataset) -> SeriesFile:
    """The dataset as a zero-padded ``SeriesFile`` with each series' length (what the
    writers take)."""
    x = ds.data.float()
    lengths = series_lengths(x)
    within = torch.arange(x.shape[2]).view(1, 1, -1) < lengths.view(-1, 1, 1)
    zeroed = torch.where(within, x, torch.zeros(())).numpy().astype(np.float32)
    name = getattr(ds.layout, "name", "augmented")
    return SeriesFile(zeroed, lengths.numpy().astype(np.int64), ds.labels.numpy(), ds.class_names, name)


def split_pair(path: Path) -> tuple[Path, Path] | None:
    """``(NAME_TRAIN.ts, NAME_TEST.ts)`` when ``path`` is a folder holding exactly one such
    pair (the UCR/UEA archive's own split); None otherwise."""
    if not path.is_dir():
        return None
    trains = sorted(p for p in path.iterdir() if p.name.endswith(TRAIN) and p.is_file())
    pairs = [(t, t.with_name(t.name[: -len(TRAIN)] + TEST)) for t in trains]
    pairs = [(a, b) for a, b in pairs if b.is_file()]
    if len(pairs) > 1:
        raise AugmentlabError(f"{path}: holds {len(pairs)} _TRAIN/_TEST pairs ({', '.join(a.name for a, _ in pairs[:4])}); "
                              "give the folder of one dataset or a .ts file")
    return pairs[0] if pairs else None


def read_series(path: Path, *, missing: str, names: tuple[str, ...] | None = None) -> Dataset:
    """A ``.ts``, series ``.npz`` or series CSV file as a dataset; ``names``: the class
    names a test file's labels must be among (the training data's)."""
    from augmentlab.data.series_csv import read_series_csv
    from augmentlab.data.series_npz import read_series_npz
    from augmentlab.data.ts import read_ts

    suffix = path.suffix.lower()
    if suffix == ".ts":
        sf, fmt = read_ts(path, missing=missing), "ts"
    elif suffix == ".npz":
        sf, fmt = read_series_npz(path, missing=missing), "npz"
    else:
        sf, fmt = read_series_csv(path, missing=missing), "csv"
    if names is not None and sf.class_names != names:
        sf = _relabelled(sf, names, path)
    return to_dataset(sf, fmt, path)


def _relabelled(sf: SeriesFile, names: tuple[str, ...], path: Path) -> SeriesFile:
    """A test file's labels as indices into the training data's class names."""
    index = {n: k for k, n in enumerate(names)}
    used = sorted({sf.class_names[k] for k in sf.labels.tolist()})
    unknown = [n for n in used if n not in index]
    if unknown:
        raise AugmentlabError(f"{path}: label {unknown[0]!r} is not a class of the training data ({' '.join(names)[:200]})",
                              field="test")
    labels = np.array([index[sf.class_names[k]] for k in sf.labels.tolist()], np.int64)
    return SeriesFile(sf.x, sf.lengths, labels, names, sf.name)


def holds_series(path: Path) -> int:
    """How surely ``path`` holds series: 3 for a ``.ts`` file or a folder with a
    _TRAIN/_TEST pair, 3 for a CSV of numbers with a ``label`` column, 2 for an ``.npz``
    whose ``x`` is float (image .npz files hold uint8)."""
    from augmentlab.data.series_csv import holds_series_csv
    from augmentlab.data.series_npz import holds_series as npz_holds_series

    if path.is_dir():
        return 3 if any(p.name.endswith(TRAIN) for p in path.iterdir()) else 0
    suffix = path.suffix.lower()
    if suffix == ".ts":
        return 3
    if suffix == ".npz":
        return 2 if npz_holds_series(path) else 0
    if suffix == ".csv":
        return 3 if holds_series_csv(path) else 0
    return 0
