"""The table op base class: rows in, rows out, one row's output never depending on the
other rows of its batch. What ops draw from (each numeric column's spread and values,
each coded column's category shares) is the batch's ``stats``, fitted once on the rows
being augmented (``data/table_batch.py``)."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np
import torch

from augmentlab.data.table_batch import TableBatch
from augmentlab.ops.base import Op, Params, _without_mask

COLUMN_SETS = ("all", "numeric", "categorical")  # which columns a cell-wise op touches


class TableOp(Op):
    modality: ClassVar[str] = "table"

    @abstractmethod
    def kernel(self, x: TableBatch, params: Params) -> TableBatch:
        """Every row of ``x`` transformed by its parameters (row by row)."""

    def apply(self, x: TableBatch, params: Params) -> TableBatch:
        mask = params["apply"].numpy()
        if not mask.any():
            return x
        out = self.kernel(x, _without_mask(params))
        if mask.all():
            return out
        return x.with_values(np.where(mask[:, None], out.numeric, x.numeric), np.where(mask[:, None], out.codes, x.codes))

    def __call__(self, x: TableBatch, generator: torch.Generator) -> TableBatch:
        return self.apply(x, self.sample(generator, len(x), tuple(x.shape[1:])))


def cell_share(op: Op, g: torch.Generator, batch: int, shape: tuple[int, ...], at_one: float) -> Params:
    """Each row's share of cells touched (up to ``at_one * m``) and a uniform per cell
    (numeric columns first, then coded ones): a cell is touched where its uniform is below
    its row's share."""
    F, G = shape
    return {"share": op.unsigned(g, batch, at_one), "u": torch.rand(batch, F + G, generator=g, dtype=torch.float64)}


def touched(params: Params, shape: tuple[int, ...], columns: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """``(numeric cells, coded cells)`` masks of the cells ``cell_share`` picked, within
    the ``columns`` set."""
    F, _ = shape
    hit = params["u"].numpy() < params["share"].numpy()[:, None]
    numeric, coded = hit[:, :F], hit[:, F:]
    if columns == "categorical":
        numeric = np.zeros_like(numeric)
    elif columns == "numeric":
        coded = np.zeros_like(coded)
    return numeric, coded


def check_columns(op: str, columns: str) -> str:
    from augmentlab.errors import AugmentlabError

    if columns not in COLUMN_SETS:
        raise AugmentlabError(f"{op}: columns={columns!r} is unknown; expected all, numeric or categorical")
    return columns
