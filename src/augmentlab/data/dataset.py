"""The in-memory dataset: a batch of samples, integer labels, class names and modality."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Union

import numpy as np
import torch

from augmentlab.errors import AugmentlabError

if TYPE_CHECKING:
    from augmentlab.modality.base import Modality

# A batch-first batch of samples: a tensor for images (N, C, H, W), a 1-D numpy array of
# str for text. Its modality says which, and how to take, join and hash it.
Batch = Union[torch.Tensor, np.ndarray]

CHANNELS = (1, 3)  # grey or RGB: what the colour ops and the image writers understand
# labels are class indices; a larger label is a mistake (an id, a value), not a class count
MAX_CLASSES = 100_000


@dataclass(frozen=True)
class Dataset:
    """``data`` is batch-first, of the type ``modality`` names (``augmentlab.modality``):
    ``(N, C, H, W)`` for images, a 1-D numpy array of str for text. ``labels`` are int64 in ``[0, len(class_names))``. ``source_format`` (and for
    text files ``layout``) remembers how it was read, so outputs can be written back in
    the same format."""

    data: Batch
    labels: torch.Tensor
    class_names: tuple[str, ...]
    modality: str = "image"
    source_format: str = "npz"
    layout: object = field(default=None, compare=False)
    # Optional per-sample facts that travel with every subset: the group a sample belongs
    # to (a speaker, a patient, a customer; group-aware splits keep each group on one side),
    # and for padded sequences the length each sample really had (writers crop to it).
    groups: np.ndarray | None = field(default=None, compare=False)
    lengths: torch.Tensor | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if len(self.data) != self.labels.shape[0]:
            raise AugmentlabError(
                f"dataset has {len(self.data)} samples but {self.labels.shape[0]} labels; "
                "expected one label per sample"
            )
        if self.labels.dtype != torch.int64 or self.labels.ndim != 1:
            raise AugmentlabError("labels must be a 1-D int64 tensor")
        self.kind.check_data(self.data)
        for name, values in (("groups", self.groups), ("lengths", self.lengths)):
            if values is not None and len(values) != len(self.labels):
                raise AugmentlabError(f"dataset has {len(self.labels)} samples but {len(values)} {name}; expected one per sample")
        if len(self.labels) and (int(self.labels.min()) < 0 or int(self.labels.max()) >= len(self.class_names)):
            raise AugmentlabError(
                f"labels must lie in [0, {len(self.class_names) - 1}] for {len(self.class_names)} classes; "
                f"got range [{int(self.labels.min())}, {int(self.labels.max())}]"
            )

    @property
    def kind(self) -> Modality:
        """The modality object: how this data is checked, taken, joined, hashed and written."""
        from augmentlab.modality.registry import get_modality

        return get_modality(self.modality)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, index: torch.Tensor | np.ndarray) -> Dataset:
        index = torch.as_tensor(index, dtype=torch.int64)
        return replace(self, data=self.kind.take(self.data, index), labels=self.labels[index],
                       groups=None if self.groups is None else self.groups[index.numpy()],
                       lengths=None if self.lengths is None else self.lengths[index])

    def repeated(self, data: Batch, times: int) -> Dataset:
        """``data`` holding ``times`` versions of every sample, one pass after another (the
        originals, then each augmented copy): labels, groups and lengths repeat alike."""
        return replace(self, data=data, labels=self.labels.repeat(times),
                       groups=None if self.groups is None else np.tile(self.groups, times),
                       lengths=None if self.lengths is None else self.lengths.repeat(times))

    @property
    def group_names(self) -> tuple[str, ...]:
        """The distinct groups, sorted (empty when the data has none)."""
        return () if self.groups is None else tuple(sorted(set(self.groups.tolist())))

    @staticmethod
    def from_images(images: np.ndarray, labels: np.ndarray, class_names=None, source_format="npz", where="data") -> Dataset:
        """Build from ``N×H×W`` or ``N×H×W×C`` uint8 images (C = 1 grey or 3 RGB) and
        integer labels; ``class_names`` default to the label values."""
        images = np.asarray(images)
        if images.dtype != np.uint8:
            raise AugmentlabError(f"{where}: images must be uint8; got {images.dtype}")
        if images.ndim == 3:
            images = images[:, :, :, None]
        if images.ndim != 4:
            raise AugmentlabError(f"{where}: images must be N×H×W or N×H×W×C; got shape {images.shape}")
        if images.shape[0] == 0:
            raise AugmentlabError(f"{where}: holds no images; expected at least one")
        if 0 in images.shape[1:3]:
            raise AugmentlabError(f"{where}: images of {images.shape[2]}x{images.shape[1]} pixels; expected at least 1x1")
        if images.shape[3] not in CHANNELS:
            raise AugmentlabError(f"{where}: images have {images.shape[3]} channels; expected 1 (grey) or 3 (RGB)"
                                  + ("; drop the alpha channel first" if images.shape[3] in (2, 4) else ""))
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise AugmentlabError(f"{where}: labels must be a 1-D integer array; got {labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise AugmentlabError(f"{where}: {len(images)} images but {len(labels)} labels; the counts must agree")
        if len(labels) and labels.min() < 0:
            raise AugmentlabError(f"{where}: labels must be non-negative; got {labels.min()}")
        top = int(labels.max())
        if class_names is None:
            if top >= MAX_CLASSES:
                raise AugmentlabError(f"{where}: label {top} would make {top + 1:,} classes; labels must be class indices "
                                      f"0..K-1 with K at most {MAX_CLASSES:,}")
            class_names = tuple(str(i) for i in range(top + 1))
        elif top >= len(class_names):
            raise AugmentlabError(f"{where}: class_names lists {len(class_names)} classes but a label is {top}; "
                                  f"expected one name per label value 0..{top}")
        data = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        return Dataset(data, torch.from_numpy(labels.astype(np.int64)), tuple(class_names), "image", source_format)

    def images_hwc(self) -> np.ndarray:
        """``N×H×W×C`` uint8 (``N×H×W`` for one channel), the layout files store."""
        arr = self.data.permute(0, 2, 3, 1).contiguous().numpy()
        return arr[..., 0] if arr.shape[-1] == 1 else arr
