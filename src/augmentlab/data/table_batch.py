"""A batch of table rows, the table modality's data: numeric columns (NaN where missing),
categorical and boolean columns as codes (-1 where missing), each row's class, and the
schema the rows share.

The schema also holds what the table ops draw from: each numeric column's spread and
empirical quantiles, and each coded column's category frequencies. They are fitted once
on the rows being augmented (the training split in the lab, so nothing of validation or
test leaks into augmentation) and travel with every subset, which keeps every op's
output for a row independent of the other rows in its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from augmentlab.data.table_file import Column, TableFile
from augmentlab.errors import AugmentlabError

QUANTILES = 1001  # points of each numeric column's empirical distribution kept for resampling


@dataclass(frozen=True)
class ColumnStats:
    """Per-column facts the ops draw from, fitted on some rows (``fit_stats``)."""

    scale: np.ndarray  # (F,) standard deviation of each numeric column (0 when constant or empty)
    quantiles: np.ndarray  # (Q, F) observed values at evenly spaced probabilities (NaN: no value)
    frequencies: tuple[np.ndarray, ...]  # per coded column, each category's share (uniform when none seen)


@dataclass(frozen=True)
class TableSchema:
    """What every row of a table shares: the feature columns (numeric ones first in
    ``numeric`` order, then the coded ones), the target, the file's column order and name,
    and (Parquet) the file's own schema."""

    columns: tuple[Column, ...]
    target: str
    order: tuple[str, ...]
    name: str
    arrow_schema: object = field(default=None, compare=False)
    stats: ColumnStats | None = field(default=None, compare=False)

    @property
    def numeric_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind == "numeric")

    @property
    def coded_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind != "numeric")


def fit_stats(numeric: np.ndarray, codes: np.ndarray, schema: TableSchema) -> ColumnStats:
    """The ops' per-column facts, from these rows."""
    F = numeric.shape[1]
    scale = np.zeros(F)
    quantiles = np.full((QUANTILES, F), np.nan)
    probabilities = np.linspace(0.0, 1.0, QUANTILES)
    for j in range(F):
        present = numeric[:, j][~np.isnan(numeric[:, j])]
        if len(present):
            scale[j] = float(present.std())
            # inverted_cdf: every kept point is a value the column holds (integers stay integers)
            quantiles[:, j] = np.quantile(present, probabilities, method="inverted_cdf")
    frequencies = []
    for j, column in enumerate(schema.coded_columns):
        counts = np.bincount(codes[:, j][codes[:, j] >= 0], minlength=len(column.categories)).astype(np.float64)
        size = len(column.categories)
        frequencies.append(counts / counts.sum() if counts.sum() else np.full(size, 1 / max(size, 1)))
    return ColumnStats(scale, quantiles, tuple(frequencies))


@dataclass(frozen=True, eq=False)
class TableBatch:
    """Rows: ``numeric`` (N, F) float64, ``codes`` (N, G) int64, ``labels`` (N,) int64 class
    indices (table MixUp mixes rows of one class), and their ``schema``."""

    numeric: np.ndarray
    codes: np.ndarray
    labels: np.ndarray
    schema: TableSchema

    def __post_init__(self) -> None:
        N = len(self.labels)
        if self.numeric.shape != (N, len(self.schema.numeric_columns)) or self.codes.shape != (N, len(self.schema.coded_columns)):
            raise AugmentlabError(f"table batch: {self.numeric.shape} numeric and {self.codes.shape} coded values do not fit "
                                  f"{N} rows of {len(self.schema.numeric_columns)} numeric and "
                                  f"{len(self.schema.coded_columns)} coded columns")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(rows, numeric columns, coded columns)``."""
        return (len(self), self.numeric.shape[1], self.codes.shape[1])

    def __getitem__(self, index) -> TableBatch:
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 or None)
        return TableBatch(self.numeric[index], self.codes[index], self.labels[index], self.schema)

    def with_values(self, numeric: np.ndarray | None = None, codes: np.ndarray | None = None) -> TableBatch:
        return replace(self, numeric=self.numeric if numeric is None else numeric, codes=self.codes if codes is None else codes)

    def fitted(self) -> TableBatch:
        """These rows with the ops' per-column facts fitted on them."""
        return replace(self, schema=replace(self.schema, stats=fit_stats(self.numeric, self.codes, self.schema)))

    @property
    def stats(self) -> ColumnStats:
        return self.schema.stats if self.schema.stats is not None else fit_stats(self.numeric, self.codes, self.schema)

    def same_rows(self, other: TableBatch) -> bool:
        """Equal values (NaN equal to NaN), codes and labels."""
        return (isinstance(other, TableBatch) and self.numeric.shape == other.numeric.shape
                and np.array_equal(self.numeric, other.numeric, equal_nan=True) and np.array_equal(self.codes, other.codes)
                and np.array_equal(self.labels, other.labels))

    @staticmethod
    def concat(parts: list[TableBatch]) -> TableBatch:
        """Rows of batches with one schema, one after another (the first batch's stats)."""
        first = parts[0]
        if any(p.schema != first.schema for p in parts[1:]):
            raise AugmentlabError("table batches with other columns cannot be joined")
        return TableBatch(np.concatenate([p.numeric for p in parts]), np.concatenate([p.codes for p in parts]),
                          np.concatenate([p.labels for p in parts]), first.schema)


def batch_from_file(tf: TableFile) -> TableBatch:
    """A read table as a batch, its numeric columns first and its coded ones after (as
    ``TableFile`` keeps them), its ops' facts fitted on all of its rows."""
    schema = TableSchema(tf.columns, tf.target, tf.order, tf.name, tf.arrow_schema)
    return TableBatch(np.asarray(tf.numeric, np.float64), np.asarray(tf.codes, np.int64), np.asarray(tf.labels, np.int64),
                      schema).fitted()


def file_from_batch(batch: TableBatch, class_names: tuple[str, ...], missing: dict[str, int] | None = None) -> TableFile:
    """The batch as a ``TableFile`` (what the writers take)."""
    s = batch.schema
    return TableFile(s.columns, batch.numeric, batch.codes, batch.labels, class_names, s.target, s.order, s.name,
                     missing or {}, s.arrow_schema)
