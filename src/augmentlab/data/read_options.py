"""How a dataset argument is read: the choices a user makes about files, in one value that
every modality's reader receives (each uses the fields that concern its files)."""

from __future__ import annotations

from dataclasses import dataclass

from augmentlab.errors import AugmentlabError
from augmentlab.values import check_number

MIXED = ("resize", "reject")


@dataclass(frozen=True)
class ReadOptions:
    # samples that differ from the most common ones (image size; audio sample rate and
    # channel count): "resize" converts them (resize, resample, mix down), "reject" refuses
    mixed_sizes: str = "resize"
    # a flat folder whose file names carry the label (and a group): "{label}_{group}_{_}"
    label_from: str | None = None
    # audio: the rate every clip is resampled to (None: the most common rate), and the
    # fixed duration in seconds clips are padded or cropped to (None: chosen from the data)
    sample_rate: int | None = None
    duration: float | None = None
    # series: what to do with missing values ("refuse", "keep" as NaN, "interpolate")
    missing: str = "refuse"
    # tables: the target column (naming it makes a CSV a table), kinds declared for some
    # columns ("ccs=categorical,..."), and what a test file's unseen category becomes
    target: str | None = None
    column_types: str | None = None
    unseen: str = "refuse"
    # read the data as this modality, whichever reader would claim it
    modality: str | None = None

    def __post_init__(self) -> None:
        from augmentlab.data.series import check_missing
        from augmentlab.data.table_dataset import check_unseen
        from augmentlab.data.table_file import parse_column_types

        check_missing(self.missing)
        check_unseen(self.unseen)
        parse_column_types(self.column_types)
        if self.modality is not None:
            from augmentlab.modality import get_modality

            get_modality(self.modality)
        if self.mixed_sizes not in MIXED:
            raise AugmentlabError(f"mixed_sizes must be 'resize' or 'reject'; got {self.mixed_sizes!r}", field="mixed_sizes")
        if self.sample_rate is not None:
            check_number(self.sample_rate, "sample_rate", low=1, high=1_000_000, integer=True)
        if self.duration is not None:
            check_number(self.duration, "duration", low=1e-3, high=3600.0)
        if self.label_from is not None:
            from augmentlab.data.label_pattern import LabelPattern

            LabelPattern(self.label_from)  # a bad pattern fails here, before any file is read
