"""What a kind of data (a modality) tells the rest of the package.

Everything that differs between images, text and the kinds still to come lives in one
``Modality`` per kind: the batch type, how batches are checked, taken, joined and hashed,
which files it reads and writes, the noun used in messages, and the defaults the lab
starts from (models, search space, free baselines, training style, preview style). The
upper layers ask the modality; none of them branches on its name.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from augmentlab.errors import AugmentlabError
from augmentlab.values import or_list

if TYPE_CHECKING:
    from augmentlab.data.dataset import Dataset
    from augmentlab.data.read_options import ReadOptions

# How the lab trains a kind of data: "batches" applies the policy to every training batch
# as it is drawn (tensors; rungs and adaptive strength work); "copies" writes augmented
# copies of the training split once, then fits (text: the encoders are fixed); "targets"
# trains a segmenter or a detector on images whose targets move with each batch's draw;
# "rows" fits a model once on the training rows plus the rows the policy adds (tables).
TRAINING_STYLES = ("batches", "copies", "targets", "rows")
# How the lab draws a training set: "per_class" samples of every class (classification),
# "size" samples in all (data without a class per sample, such as annotated images), or
# "ratio": train_size samples drawn so that the class ratio is kept (imbalanced tables).
SPLITS = ("per_class", "size", "ratio")


class Modality(ABC):
    """One kind of data. Subclasses fill the class attributes and the methods below and
    register an instance once (``augmentlab.modality.register_modality``)."""

    name: ClassVar[str]  # the key of Dataset.modality, ops' ``modality`` and policy checks
    # whose ops, RandAugment set and search space this data takes (annotated images take
    # the image ops); None: its own
    op_kind: ClassVar[str | None] = None
    split: ClassVar[str] = "per_class"  # one of SPLITS
    steps: ClassVar[int] = 800  # optimiser steps of a lab training run unless the user gives them
    batch_size: ClassVar[int] = 64  # samples per training batch in the lab
    noun: ClassVar[str]  # plural, for messages: "images", "sentences"
    training: ClassVar[str]  # one of TRAINING_STYLES
    preview: ClassVar[str]  # how previews and reports show samples: "grid" (PNG) or "table"
    models: ClassVar[tuple[str, ...]]  # the model names the lab can train on this data
    baselines: ClassVar[dict[str, str]]  # label -> policy spec: the free policies a search must beat
    default_space: ClassVar[dict[str, Any] | None]  # the search space used when none is given
    # Protocol fields beyond the common ones that make sense for this data ("copies", ...)
    options: ClassVar[frozenset[str]] = frozenset()
    # lab features that need batch-wise tensors ("adaptive", "synthetic"), and what the
    # data carries that options may refer to ("boxes": box filters)
    features: ClassVar[frozenset[str]] = frozenset()
    metric_choices: ClassVar[tuple[str, ...]] = ()  # the metrics a user may score this data by; none: fixed
    formats: ClassVar[tuple[str, ...]]  # output formats it writes, as manifests name them
    folder_formats: ClassVar[frozenset[str]] = frozenset()  # those of them written as a folder, not a file
    batch_formats: ClassVar[frozenset[str]] = frozenset()  # those of them written batch by batch (``batch_writer``)
    files: ClassVar[str]  # the inputs it reads, for "expected ..." messages

    # -- the batch -------------------------------------------------------------------------
    @abstractmethod
    def check_data(self, data) -> None:
        """Raise ``AugmentlabError`` unless ``data`` is a batch of this kind."""

    def take(self, data, index):
        """The samples at integer ``index`` (a 1-D int64 tensor)."""
        return data[index]

    def concat(self, parts: list):
        """Batches joined along the first axis."""
        import torch

        return torch.cat(parts)

    def sample_shape(self, data) -> tuple[int, ...]:
        """The shape of one sample (what ops' ``sample`` receives)."""
        return tuple(data.shape[1:])

    def hash_into(self, h: hashlib._Hash, data) -> None:
        """Feed ``data`` to a hash so that equal batches, and only they, hash alike."""
        h.update(data.contiguous().numpy())  # the array's own buffer: no copy of the whole set

    def item_keys(self, data) -> list[bytes]:
        """One digest per sample, equal for samples that are the same item (the leakage
        check, ``data/overlap.py``): by default the sample's bytes and shape."""
        array = data.contiguous().numpy()
        return [_digest(str(row.shape).encode() + row.tobytes()) for row in array]

    def describe_item(self, data, index: int) -> str:
        """A few words showing sample ``index`` in a message (nothing for tensors)."""
        return ""

    def metric(self, data) -> str:
        """What the lab scores a model by on this data (results name it in ``metric``)."""
        return "accuracy"

    def baselines_for(self, data) -> dict[str, str]:
        """The free policies a search on ``data`` must beat (by default ``baselines``)."""
        return self.baselines

    def check_metric(self, metric: str) -> None:
        """Refuse a metric the user chose that this data cannot be scored by."""
        if metric not in self.metric_choices:
            if not self.metric_choices:
                raise AugmentlabError(f"metric: {self.noun} are scored by their own metric; "
                                      "choosing one is for tables", field="metric")
            raise AugmentlabError(f"metric {metric!r} is unknown; expected {or_list(self.metric_choices)}", field="metric")

    @property
    def ops(self) -> str:
        """The modality whose ops this data takes."""
        return self.op_kind or self.name

    def sample_bytes(self, data) -> int:
        """Memory one sample takes, on average (for the size check before augmenting)."""
        return data[:1].numel() * data.element_size() if len(data) else 0

    def context(self, layout):
        """A context manager entered while data read with ``layout`` (``Dataset.layout``) is
        augmented or fed to a model: it sets what a batch tensor does not carry (audio: the
        sample rate). Nothing by default."""
        import contextlib

        return contextlib.nullcontext()

    def default_model(self, shape: tuple[int, ...]) -> str:
        """The model the lab trains when none is named, for samples of ``shape``."""
        return self.models[0]

    def check_test(self, data, test) -> None:
        """Refuse a test batch the lab cannot score next to ``data``: by default, samples of
        another shape."""
        if self.sample_shape(test) != self.sample_shape(data):
            raise AugmentlabError(f"test {self.noun} are {self.sample_shape(test)} but the data's are {self.sample_shape(data)}",
                                  field="test")

    def check_model(self, data, model: str) -> None:
        """Refuse a model the lab cannot train on ``data``. Data trained batch by batch
        also takes the user's own ``module:factory`` (checked when the protocol is)."""
        if ":" in model and self.training == "batches":
            return
        if ":" in model:
            raise AugmentlabError(f"model {model!r}: a model factory trains on data augmented batch by batch "
                                  f"(images, audio, series); {self.noun} train {' or '.join(self.models)}", field="model")
        if model not in self.models:
            article = "an" if self.name[:1] in "aeiou" else "a"
            raise AugmentlabError(f"model {model!r} is not {article} {self.name} model; expected one of {', '.join(self.models)}",
                                  field="model")

    def model_for(self, data) -> str:
        """The model the lab trains on ``data`` when none is named."""
        return self.default_model(self.sample_shape(data))

    # -- files -----------------------------------------------------------------------------
    @abstractmethod
    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        """How surely ``path`` holds this kind of data: 0 not at all; the highest claim wins.
        ``options``: the user's reading choices (a table's target column tells a table CSV
        from a text CSV)."""

    @abstractmethod
    def read(self, path: Path, *, like: Dataset | None = None, options: ReadOptions) -> Dataset:
        """Read ``path`` (claimed before). ``like``: the training data a test set must match;
        ``options``: the user's reading choices (each kind uses those that concern it)."""

    def own_test(self, path: Path, ds: Dataset, options: ReadOptions) -> tuple[Dataset, str] | None:
        """The test set ``path`` comes with, as ``(test data, where it was read)``: a
        dataset with its own train/test split (the UCR archive's _TRAIN/_TEST files), whose
        reader returned the training part as ``ds``. None for data without one."""
        return None

    @abstractmethod
    def output_format(self, ds: Dataset, out: Path) -> str:
        """The format ``out`` is written in, or an error naming what the name should be."""

    @abstractmethod
    def write(self, path: Path, ds: Dataset, fmt: str) -> None:
        """Write ``ds`` as ``fmt`` into ``path`` (a fresh file or an empty folder)."""

    def batch_writer(self, path: Path, ds: Dataset, fmt: str, total: int):
        """A context manager writing ``total`` samples like ``ds`` as ``fmt`` into ``path``
        batch by batch (``write(batch, labels)``, in order), the same bytes as ``write``;
        None where the format is written whole."""
        return None

    # -- checks the upper layers ask for ------------------------------------------------------
    def require(self, feature: str, what: str) -> None:
        """Refuse ``what`` (a flag or a command) unless this data supports ``feature``."""
        if feature not in self.features:
            from augmentlab.modality.registry import modalities

            able = [m.name for m in modalities() if feature in m.features]
            raise AugmentlabError(f"{what} works on {or_list(able) if able else 'no'} data; this data is {self.name}",
                                  field=what if what.isidentifier() else None)

    def refuse_foreign(self, kinds: list[tuple[str, str]], where: str = "op") -> None:
        """Refuse parts made for other data: ``kinds`` lists ``(part name, its modality or
        modalities)``."""
        for part, kind in kinds:
            if kind != "any" and self.ops not in ((kind,) if isinstance(kind, str) else kind):
                shown = kind if isinstance(kind, str) else " or ".join(kind)
                raise AugmentlabError(f"{where} {part!r} works on {shown} data, but this data is {self.name}; "
                                      f"run `augmentlab ops` for the {self.ops} ops")

    def same_kind(self, other: Dataset, what: str) -> None:
        if other.modality != self.name:
            raise AugmentlabError(f"{what} is {other.modality} data but the data is {self.name}",
                                  field=what if what.isidentifier() else None)

    def __repr__(self) -> str:
        return f"<modality {self.name}>"


def _digest(b: bytes) -> bytes:
    return hashlib.blake2b(b, digest_size=16).digest()
