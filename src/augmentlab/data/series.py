"""Series as read from files (``.ts``, ``.npz``, CSV): the padded batch, each series'
length, labels and class names, and what to do with missing values."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from augmentlab.errors import AugmentlabError

MISSING = ("refuse", "keep", "interpolate")  # what to do with missing values
MISSING_MARKS = ("?", "NaN", "nan", "NA")  # how text files write a missing value


@dataclass(frozen=True)
class SeriesFile:
    """Cases of a series file: ``x`` (N, C, T) float32, zero-padded after each series'
    ``lengths`` (N,), ``labels`` (N,) indices into ``class_names``."""

    x: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    name: str


def parse_value(text: str, where: str) -> float:
    """One value of a text file: a finite number, or NaN for a missing-value mark."""
    text = text.strip()
    if text in MISSING_MARKS:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise AugmentlabError(f"{where}: {text[:30]!r} is not a number") from None
    if math.isinf(value):
        raise AugmentlabError(f"{where}: {text[:30]!r} is infinite")
    return value


def check_missing(missing: str) -> None:
    if missing not in MISSING:
        raise AugmentlabError(f"missing: {missing!r} is unknown; expected one of {', '.join(MISSING)}", field="missing")


def fill_missing(series: np.ndarray, missing: str, where: str) -> np.ndarray:
    """One channel's values (NaN where missing) kept, refused, or linearly interpolated in
    time (the ends take the nearest known value)."""
    gaps = np.isnan(series)
    if not gaps.any() or missing == "keep":
        return series
    if missing == "refuse":
        raise AugmentlabError(f"{where}: value {int(np.flatnonzero(gaps)[0]) + 1} is not given ('?' or NaN); pass "
                              "missing='interpolate' (or 'keep') to accept gaps", field="missing")
    known = np.flatnonzero(~gaps)
    if not len(known):
        raise AugmentlabError(f"{where}: every value is missing; nothing to interpolate from", field="missing")
    out = series.copy()
    out[gaps] = np.interp(np.flatnonzero(gaps), known, series[known])
    return out


def padded(cases: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(C, L_i) cases as one (N, C, max L) float32 batch, zeros after each length, and the lengths."""
    lengths = np.array([c.shape[1] for c in cases], np.int64)
    x = np.zeros((len(cases), cases[0].shape[0], int(lengths.max())), np.float32)
    for i, case in enumerate(cases):
        x[i, :, : case.shape[1]] = case
    return x, lengths


def label_indices(values, where: str, names: tuple[str, ...] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels as indices into class names: the given ``names`` (a label outside them is
    refused), else the labels' sorted distinct values (numbers in numeric order)."""
    text = [str(v).strip() for v in values]
    if names is None:
        distinct = set(text)
        try:
            names = tuple(sorted(distinct, key=float))
        except ValueError:
            names = tuple(sorted(distinct))
    index = {n: k for k, n in enumerate(names)}
    unknown = next((t for t in text if t not in index), None)
    if unknown is not None:
        raise AugmentlabError(f"{where}: label {unknown[:30]!r} is not among the class names ({' '.join(names)[:200]})")
    return np.array([index[t] for t in text], np.int64), tuple(names)
