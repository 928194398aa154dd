"""Time series: ``(N, C, T)`` float32, each series padded with NaN after its own length.

Read from the UCR/UEA archive's ``.ts`` files, ``.npz`` (float ``x``, ``y``) and CSV (one
series per row, a ``label`` column). A folder holding ``NAME_TRAIN.ts`` and
``NAME_TEST.ts`` is the dataset's own split: the lab trains on the first and reports on
the second (``own_test``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality

if TYPE_CHECKING:
    from augmentlab.data.read_options import ReadOptions

class SeriesModality(Modality):
    name = "series"
    noun = "series"
    training = "batches"
    preview = "series"
    models = ("fcn", "resnet1d")
    # a fixed RandAugment over the series ops (two at half strength) and TrivialAugment
    baselines = {"randaugment": "rand-n2-m0.5", "trivialaugment": "trivial"}
    # the order- and sign-preserving ops (Iwana & Uchida 2021 found permutation and
    # rotation often hurt); a space may name them
    default_space = {"kind": "rand", "n": [0, 3], "m": [0, 1],
                     "op_sets": {"series": ["jitter", "scaling", "magnitude_warp", "time_warp", "window_slice", "window_warp",
                                            "drift", "time_mask", "smooth"]}}
    features = frozenset({"adaptive", "rungs"})
    formats = ("ts", "npz", "csv")
    files = "UCR/UEA .ts series (a file, or a folder with NAME_TRAIN.ts and NAME_TEST.ts), series in .npz or .csv"

    def check_data(self, data) -> None:
        if not isinstance(data, torch.Tensor) or data.ndim != 3 or not data.is_floating_point():
            raise AugmentlabError(f"series data must be float (N, C, T); got {getattr(data, 'dtype', type(data).__name__)} "
                                  f"of shape {tuple(getattr(data, 'shape', ()))}")

    def check_test(self, data, test) -> None:
        """Series of any length compare; their channels must agree."""
        if test.shape[1] != data.shape[1]:
            raise AugmentlabError(f"test series have {test.shape[1]} channels but the data's have {data.shape[1]}", field="test")

    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        from augmentlab.data.series_dataset import holds_series

        return holds_series(path)

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.series_dataset import read_series, split_pair

        pair = split_pair(path)
        if path.is_dir() and pair is None:
            raise AugmentlabError(f"{path}: a folder of series must hold NAME_TRAIN.ts and NAME_TEST.ts")
        names = like.class_names if like is not None and like.modality == self.name else None
        return read_series(pair[0] if pair else path, missing=options.missing, names=names)

    def own_test(self, path: Path, ds, options: ReadOptions):
        from augmentlab.data.series_dataset import read_series, split_pair

        pair = split_pair(Path(path))
        if pair is None:
            return None
        return read_series(pair[1], missing=options.missing, names=ds.class_names), str(pair[1])

    def output_format(self, ds, out: Path) -> str:
        suffix = Path(out).suffix.lower()
        if suffix in (".ts", ".npz", ".csv"):
            if suffix == ".csv" and ds.data.shape[1] != 1:
                raise AugmentlabError(f"out {out}: a CSV holds one channel per series; these have {ds.data.shape[1]} "
                                      "(write .ts or .npz)", field="out")
            return suffix[1:]
        raise AugmentlabError(f"out {out}: series are written as .ts, .npz or .csv; give one of those names", field="out")

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.series_csv import write_series_csv
        from augmentlab.data.series_dataset import to_series_file
        from augmentlab.data.series_npz import write_series_npz
        from augmentlab.data.ts import write_ts

        {"ts": write_ts, "npz": write_series_npz, "csv": write_series_csv}[fmt](path, to_series_file(ds))
