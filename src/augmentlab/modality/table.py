"""Tables: rows of numeric, categorical and boolean columns with a target column
(``data/table_batch.TableBatch``), read from CSV or Parquet.

A CSV is a table when the user names its target (``--target deny``) or says
``--modality table``; without either it is left to the text and series readers. The lab
fits scikit-learn models on the training rows plus what the policy adds (augmented copies,
oversampled rows), scores them by the user's metric (PR-AUC by default on two classes),
and draws training rows stratified so that the class ratio is kept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality

if TYPE_CHECKING:
    from augmentlab.data.read_options import ReadOptions


class TableModality(Modality):
    name = "table"
    noun = "rows"
    # models are fitted once on the training rows plus the rows the policy makes
    training = "rows"
    split = "ratio"
    preview = "rows"
    models = ("hgb", "logistic", "mlp")
    # oversampling to balance is what practitioners reach for first; it must be beaten too
    # (SMOTE-NC on tables with categorical or boolean columns: baselines_for)
    baselines = {"smote": "smote(m=1)"}
    default_space = {"kind": "rand", "n": [0, 2], "m": [0, 1],
                     "op_sets": {"table": ["gaussian_noise", "swap_noise", "feature_mask"]}}
    options = frozenset({"copies"})
    # "synthetic": evaluate --synthetic adds generated rows; "row_generators": synth fits copula and tvae
    features = frozenset({"synthetic", "row_generators"})
    metric_choices = ("pr_auc", "roc_auc", "balanced_accuracy", "accuracy")
    formats = ("csv", "parquet")
    files = "a .csv or .parquet table with its target column named (--target)"

    def check_data(self, data) -> None:
        from augmentlab.data.table_batch import TableBatch

        if not isinstance(data, TableBatch):
            raise AugmentlabError(f"table data must be a TableBatch; got {type(data).__name__}")

    def take(self, data, index):
        return data[np.asarray(index)]

    def concat(self, parts: list):
        from augmentlab.data.table_batch import TableBatch

        return TableBatch.concat(parts)

    def sample_shape(self, data) -> tuple[int, ...]:
        return tuple(data.shape[1:])

    def hash_into(self, h: hashlib._Hash, data) -> None:
        for part in (data.numeric, data.codes, data.labels):
            h.update(str(part.shape).encode() + np.ascontiguousarray(part).tobytes())

    def item_keys(self, data) -> list[bytes]:
        # a row is its values, not its label: the same features under two labels still leak
        numeric, codes = np.ascontiguousarray(data.numeric), np.ascontiguousarray(data.codes)
        return [numeric[i].tobytes() + b"|" + codes[i].tobytes() for i in range(len(data))]

    def sample_bytes(self, data) -> int:
        return 8 * (data.shape[1] + data.shape[2] + 1)

    def metric(self, data) -> str:
        """PR-AUC of the rarer class on two classes; balanced accuracy on more."""
        return "pr_auc" if len(np.unique(data.labels)) <= 2 else "balanced_accuracy"

    def baselines_for(self, data) -> dict[str, str]:
        if not data.numeric.shape[1]:  # only categories: no SMOTE variant interpolates them
            return {}
        return {"smote": "smotenc(m=1)"} if data.codes.shape[1] else self.baselines

    def check_test(self, data, test) -> None:
        if test.schema.columns != data.schema.columns:
            raise AugmentlabError("test rows have other columns than the data's", field="test")

    # -- files -----------------------------------------------------------------------------
    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        from augmentlab.data.table_dataset import holds_table

        return holds_table(path, options.target if options is not None else None)

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.table_dataset import TABLE_SUFFIXES, read_table_dataset

        if path.is_dir() or path.suffix.lower() not in TABLE_SUFFIXES:
            raise AugmentlabError(f"{path}: a table is a .csv or .parquet file")
        train = like if like is not None and like.modality == self.name else None
        return read_table_dataset(path, target=options.target, column_types=options.column_types, like=train,
                                  unseen=options.unseen)

    def output_format(self, ds, out: Path) -> str:
        suffix = Path(out).suffix.lower()
        if suffix == ".csv":
            return "csv"
        if suffix in (".parquet", ".pq"):
            return "parquet"
        raise AugmentlabError(f"out {out}: tables are written as .csv or .parquet; give one of those names", field="out")

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.table_dataset import write_table_dataset

        write_table_dataset(path, ds, fmt)
