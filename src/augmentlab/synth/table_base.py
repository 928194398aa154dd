"""Class-conditional generators of table rows, behind the checkpoint interface the image
generators use (``net`` holds every fitted number as parameters or buffers; ``config()``
is the JSON that rebuilds it): fit on the rows of a ``TableBatch``, sample rows for chosen
classes, seeded. Numeric columns come back with NaN where missing and categorical ones as
codes within their categories (-1 where missing), so sampled rows join real ones."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import torch

from augmentlab.data.table_batch import TableBatch, TableSchema
from augmentlab.data.table_file import Column
from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds

SAMPLE_CHUNK = 256  # rows per seeded stream: the first k rows do not depend on how many follow


MAX_LEVELS = 1001  # distinct values a numeric column may have and still count as discrete
DISCRETE_SHARE = 0.05  # ... when there are at most this many per present value (or at most 20)


def discrete_support(values: np.ndarray) -> np.ndarray | None:
    """The sorted distinct values of a numeric column that takes few of them (a score from
    1 to 6, a count), padded to ``MAX_LEVELS`` with NaN; None for a continuous column.
    Generated values of a discrete column are snapped to the nearest of them, so they are
    values the column really takes (written exactly as the file writes them)."""
    present = values[~np.isnan(values)]
    levels = np.unique(present)
    if not len(levels) or len(levels) > MAX_LEVELS or len(levels) > max(20, DISCRETE_SHARE * len(present)):
        return None
    return np.concatenate([levels, np.full(MAX_LEVELS - len(levels), np.nan)])


def snapped(numeric: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Each column with a support (``(MAX_LEVELS, F)``, NaN-padded; all NaN: continuous)
    snapped to its nearest value; missing values stay missing."""
    out = numeric.copy()
    for j in range(numeric.shape[1]):
        levels = support[:, j][~np.isnan(support[:, j])]
        if not len(levels):
            continue
        v = out[:, j]
        at = np.clip(np.searchsorted(levels, v), 1, max(len(levels) - 1, 1))
        lower, upper = levels[at - 1], levels[np.minimum(at, len(levels) - 1)]
        near = np.where(np.abs(v - lower) <= np.abs(upper - v), lower, upper)
        out[:, j] = np.where(np.isnan(v), np.nan, near if len(levels) > 1 else levels[0])
    return out


def fit_support(numeric: np.ndarray) -> torch.Tensor:
    """``(MAX_LEVELS, F)``: each discrete column's values (``discrete_support``), NaN elsewhere."""
    out = np.full((MAX_LEVELS, numeric.shape[1]), np.nan)
    for j in range(numeric.shape[1]):
        levels = discrete_support(numeric[:, j])
        if levels is not None:
            out[:, j] = levels
    return torch.from_numpy(out)


def schema_to_dict(schema: TableSchema) -> dict:
    return {"columns": [[c.name, c.kind, list(c.categories)] for c in schema.columns], "target": schema.target,
            "order": list(schema.order), "name": schema.name}


def schema_from_dict(d: dict) -> TableSchema:
    return TableSchema(tuple(Column(n, k, tuple(cats)) for n, k, cats in d["columns"]), d["target"], tuple(d["order"]), d["name"])


class TableGenerator(ABC):
    name: ClassVar[str] = ""
    kind: ClassVar[str] = "table"  # what the synth commands check before treating a checkpoint as rows

    def __init__(self, shape: tuple[int, int], num_classes: int, schema: dict, **settings):
        self.shape = tuple(int(s) for s in shape)  # (numeric columns, coded columns)
        self.num_classes = int(num_classes)
        self.schema_dict = schema
        self.schema = schema_from_dict(schema)
        self.settings = settings
        self.device = torch.device("cpu")
        self.net = self.build()

    @property
    def categories(self) -> list[int]:
        """How many categories each coded column has."""
        return [len(c.categories) for c in self.schema.coded_columns]

    def to(self, device) -> TableGenerator:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def config(self) -> dict:
        return {"model": self.name, "shape": list(self.shape), "num_classes": self.num_classes, "schema": self.schema_dict,
                **self.settings}

    @abstractmethod
    def build(self) -> torch.nn.Module:
        """The module holding every fitted number, at the sizes the schema gives."""

    @abstractmethod
    def fit(self, rows: TableBatch, steps: int | None, seed: int, progress=None) -> list[dict]:
        """Fit on ``rows`` (their ``labels`` are the classes); return a loss history."""

    @abstractmethod
    def generate(self, labels: np.ndarray, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(numeric, codes)`` of rows for ``labels``, drawn with ``generator``."""

    @torch.no_grad()
    def sample(self, labels, seed: int) -> TableBatch:
        """Rows, one per label, in fixed chunks each from its own seeded stream; the same
        seed gives the same rows, and the first k do not depend on how many more follow."""
        labels = np.asarray(torch.as_tensor(labels, dtype=torch.int64))
        bad = labels[(labels < 0) | (labels >= self.num_classes)]
        if len(bad):
            raise AugmentlabError(f"label {int(bad[0])} is outside the trained classes 0..{self.num_classes - 1}")
        self.net.eval()
        chunks = -(-len(labels) // SAMPLE_CHUNK)
        numeric, codes = [np.zeros((0, self.shape[0]))], [np.zeros((0, self.shape[1]), np.int64)]
        for i, chunk_seed in enumerate(child_seeds(seed, chunks)):
            chunk = labels[i * SAMPLE_CHUNK : (i + 1) * SAMPLE_CHUNK]
            padded = np.concatenate([chunk, np.zeros(SAMPLE_CHUNK - len(chunk), np.int64)])
            n, c = self.generate(padded, torch.Generator().manual_seed(chunk_seed))
            numeric.append(n[: len(chunk)])
            codes.append(c[: len(chunk)])
        return TableBatch(np.concatenate(numeric), np.concatenate(codes), labels.astype(np.int64), self.schema)
