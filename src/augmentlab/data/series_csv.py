"""Univariate series in CSV: one series per row, a label column (``label`` by default)
and the values in the other columns, in order; a row that ends early (empty cells at the
end) is a shorter series."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from augmentlab.data.csv_rows import csv_rows
from augmentlab.data.series import MISSING_MARKS, SeriesFile, check_missing, fill_missing, label_indices, padded, parse_value
from augmentlab.errors import AugmentlabError


def read_series_csv(path: str | Path, *, label_column: str = "label", missing: str = "refuse") -> SeriesFile:
    path = Path(path)
    check_missing(missing)
    rows = csv_rows(path)
    if not rows:
        raise AugmentlabError(f"{path}: is empty; expected a header row with a {label_column!r} column")
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        raise AugmentlabError(f"{path}: no {label_column!r} column in the header; its columns are {', '.join(header)[:200]}",
                              field="label_column")
    at = header.index(label_column)
    cases, labels = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}:{number}"
        if len(row) > len(header):
            raise AugmentlabError(f"{where}: {len(row)} cells, but the header has {len(header)} columns")
        cells = row[:at] + row[at + 1 :]
        label = row[at].strip() if at < len(row) else ""
        if not label:
            raise AugmentlabError(f"{where}: the {label_column!r} cell is empty")
        while cells and not cells[-1].strip():
            cells.pop()  # a shorter series
        if not cells:
            raise AugmentlabError(f"{where}: holds no values")
        values = np.array([parse_value(v, f"{where}, column {k + 1}") if v.strip() else math.nan for k, v in enumerate(cells)])
        cases.append(fill_missing(values, missing, where)[None, :])
        labels.append(label)
    if not cases:
        raise AugmentlabError(f"{path}: holds no series below its header")
    x, lengths = padded(cases)
    indices, names = label_indices(labels, str(path))
    return SeriesFile(x, lengths, indices, names, path.stem)


def write_series_csv(path: str | Path, data: SeriesFile, label_column: str = "label") -> None:
    """One row per series (cut to its length), the label first; univariate only."""
    x = np.asarray(data.x, np.float32)
    if x.shape[1] != 1:
        raise AugmentlabError(f"out {path}: a CSV holds one channel per series; these have {x.shape[1]} (write .ts or .npz)", field="out")
    width = x.shape[2]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([label_column, *(f"t{k}" for k in range(width))])
        for i in range(len(x)):
            out.writerow([data.class_names[int(data.labels[i])], *(str(v) for v in x[i, 0, : int(data.lengths[i])])])


def holds_series_csv(path: Path, label_column: str = "label", rows: int = 5) -> bool:
    """Whether ``path`` looks like series in CSV: a ``label`` column and, in the first
    rows, at least two other cells that are all numbers (text tables hold sentences)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            if label_column not in header or len(header) < 3:
                return False
            at = header.index(label_column)
            seen = 0
            for row in reader:
                cells = [c.strip() for k, c in enumerate(row) if k != at and c.strip()]
                if not cells:
                    continue
                if len(cells) < 2:
                    return False
                for c in cells:
                    if c not in MISSING_MARKS:
                        float(c)
                seen += 1
                if seen >= rows:
                    break
            return seen > 0
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return False
