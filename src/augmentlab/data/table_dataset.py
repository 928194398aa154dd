"""Table files as datasets and back: a ``TableBatch`` of the feature columns, the target's
classes as labels, and a test file read against the training data's columns.

A test file is read with the training data's column kinds, and its categories are coded
by the training data's: a category the training data never had is refused, or read as
missing when the user says so (``unseen="missing"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.table_batch import batch_from_file, file_from_batch
from augmentlab.data.table_file import TableFile, parse_column_types, read_table, write_table_csv, write_table_parquet
from augmentlab.errors import AugmentlabError

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
UNSEEN = ("refuse", "missing")  # what a test file's category the training data lacks becomes


@dataclass(frozen=True)
class TableLayout:
    """How a table was read: its file, and the missing values of each column that has some."""

    path: str
    missing: dict[str, int] = field(default_factory=dict)


def check_unseen(value: str) -> str:
    if value not in UNSEEN:
        raise AugmentlabError(f"unseen must be 'refuse' or 'missing'; got {value!r}", field="unseen")
    return value


def read_table_dataset(path: Path, *, target: str | None, column_types: str | None = None, like: Dataset | None = None,
                       unseen: str = "refuse") -> Dataset:
    """``path`` (CSV or Parquet) as a table dataset; ``like``: the training table a test
    file must match (its columns, their kinds and categories, its classes)."""
    if not target:
        raise AugmentlabError(f"{path}: a table needs its target column named: target (--target COLUMN)", field="target")
    types = parse_column_types(column_types)
    train = like.data.schema if like is not None else None
    if train is not None:  # the training data's kinds, whatever this file's cells suggest
        types = {**{c.name: c.kind for c in train.columns}, **types}
    tf = read_table(path, target, column_types=types, class_names=like.class_names if train is not None else None)
    if train is not None:
        tf = _aligned(tf, train, path, unseen)
    if tf.missing:  # kept, never dropped: the user should know they are there
        import warnings

        from augmentlab.errors import AugmentlabNotice

        counts = ", ".join(f"{name} {n}" for name, n in tf.missing.items())
        warnings.warn(AugmentlabNotice(f"{path}: missing values kept as missing ({counts})"), stacklevel=2)
    fmt = "csv" if path.suffix.lower() == ".csv" else "parquet"
    return Dataset(batch_from_file(tf), torch.from_numpy(tf.labels), tf.class_names, "table", fmt,
                   layout=TableLayout(str(path), dict(tf.missing)))


def _aligned(tf: TableFile, train, path: Path, unseen: str) -> TableFile:
    """A test table's columns in the training data's order, coded by its categories."""
    names = [c.name for c in tf.columns]
    wanted = [c.name for c in train.columns]
    if sorted(names) != sorted(wanted) or tf.target != train.target:
        lacking = [n for n in wanted if n not in names]
        extra = [n for n in names if n not in wanted]
        what = f"lacks column {lacking[0]!r}" if lacking else f"has column {extra[0]!r}, which the training data does not"
        raise AugmentlabError(f"{path}: {what}; a test table needs the training data's columns", field="test")
    by_name = {c.name: c for c in tf.columns}
    numeric_at = {c.name: k for k, c in enumerate(c for c in tf.columns if c.kind == "numeric")}
    coded_at = {c.name: k for k, c in enumerate(c for c in tf.columns if c.kind != "numeric")}
    numeric = np.stack([tf.numeric[:, numeric_at[c.name]] for c in train.numeric_columns], 1) if train.numeric_columns \
        else np.zeros((len(tf.labels), 0))
    codes = []
    for column in train.coded_columns:
        own = by_name[column.name]
        index = {v: k for k, v in enumerate(column.categories)}
        mapping = np.array([index.get(v, -2) for v in own.categories] + [-1], np.int64)  # -1 (missing) maps to itself
        mapped = mapping[tf.codes[:, coded_at[column.name]]]
        if (mapped == -2).any():
            row = int(np.flatnonzero(mapped == -2)[0])
            value = own.categories[tf.codes[row, coded_at[column.name]]]
            if unseen == "refuse":
                raise AugmentlabError(f"{path}: row {row + 2}, column {column.name!r}: category {value[:30]!r} is not in the "
                                      f"training data ({', '.join(column.categories)[:120]}); pass unseen='missing' "
                                      "(--unseen missing) to read such values as missing", field="unseen")
            mapped = np.where(mapped == -2, -1, mapped)
        codes.append(mapped)
    codes = np.stack(codes, 1) if codes else np.zeros((len(tf.labels), 0), np.int64)
    return TableFile(train.columns, numeric, codes, tf.labels, tf.class_names, train.target, train.order, tf.name,
                     tf.missing, tf.arrow_schema)


def write_table_dataset(path: Path, ds: Dataset, fmt: str) -> None:
    """The rows back in the file's columns, order and types (``csv`` or ``parquet``)."""
    tf = file_from_batch(ds.data, ds.class_names)
    (write_table_csv if fmt == "csv" else write_table_parquet)(path, tf)


def holds_table(path: Path, target: str | None) -> int:
    """How surely ``path`` is a table: 5 for a CSV read with a target column named (more
    surely than the text and series readers, so a missing target is reported by the table
    reader), unless its only other column is a sentence; 2 for a Parquet file; 0 for a CSV
    without a target, which is left to the text and series readers."""
    if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
        return 0
    if path.suffix.lower() != ".csv":
        return 2
    if not target:
        return 0
    import csv

    from augmentlab.data.text import TEXT_COLUMNS

    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = [h.strip() for h in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return 5  # the table reader names what is wrong with the file
    features = [h for h in header if h != target]
    return 0 if features and all(h in TEXT_COLUMNS for h in features) else 5
