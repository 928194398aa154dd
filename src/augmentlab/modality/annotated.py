"""Annotated images: pictures with the boxes, masks or keypoints that must move with them
(``data.annotated.AnnotatedImages``), read from COCO, YOLO or mask folders.

They take the image ops (``op_kind``), but every op is applied with its targets in one
draw, and the lab trains a segmenter or a detector on them instead of a classifier. They
have no class per image: a ``Dataset`` of annotated images labels every image 0, and the
lab draws ``train_size`` images rather than a number per class. The classes of the
objects are ``ds.data.class_names``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality
from augmentlab.modality.image import ImageModality

if TYPE_CHECKING:
    from augmentlab.data.annotated import AnnotatedImages
    from augmentlab.data.dataset import Dataset
    from augmentlab.data.read_options import ReadOptions

IMAGE_CLASS = ("annotated image",)  # the one image-level class of every annotated dataset
TASK_MODELS = {"segment": "unet", "detect": "centernet"}
TASK_TARGETS = {"segment": "semantic masks", "detect": "boxes"}


def annotated_dataset(data: AnnotatedImages) -> Dataset:
    """``data`` as a ``Dataset`` the lab, ``augment`` and ``preview`` take."""
    from augmentlab.data.dataset import Dataset

    return Dataset(data, torch.zeros(len(data), dtype=torch.int64), IMAGE_CLASS, "annotated", data.source_format, data.layout)


def _is_coco_json(path: Path) -> bool:
    """A .json file that names ``images`` near its start, as COCO files do (the reader
    then checks the rest): a cheap look, since ``images`` may run for megabytes before
    ``annotations`` begins."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return '"images"' in f.read(1_000_000)
    except OSError:
        return False


def folder_format(path: Path) -> str | None:
    """Which annotated layout the folder ``path`` holds: ``coco`` (``annotations.json``
    beside ``images/``), ``yolo`` (``images/`` and ``labels/``), ``masks`` (``images/`` and
    ``masks/``), or None."""
    if not path.is_dir() or not (path / "images").is_dir():
        return None
    if (path / "annotations.json").is_file():
        return "coco"
    if (path / "labels").is_dir():
        return "yolo"
    if (path / "masks").is_dir():
        return "masks"
    return None


class AnnotatedModality(Modality):
    name = "annotated"
    op_kind = "image"
    noun = "annotated images"
    training = "targets"
    preview = "targets"
    models = tuple(TASK_MODELS.values())
    baselines = ImageModality.baselines
    default_space = {"kind": "rand"}
    features = frozenset({"rungs", "boxes"})
    split = "size"
    steps = 600  # a U-Net step on 32 canvases costs about as much as 4 classifier steps on 64 digits
    batch_size = 32
    formats = ("coco", "yolo", "masks")
    folder_formats = frozenset(formats)
    files = "COCO annotations (a .json file, or annotations.json beside images/), a YOLO or mask folder (images/ beside labels/ or masks/)"

    def check_data(self, data) -> None:
        from augmentlab.data.annotated import AnnotatedImages

        if not isinstance(data, AnnotatedImages):
            raise AugmentlabError(f"annotated data must be AnnotatedImages (images with their targets); got {type(data).__name__}")

    def take(self, data, index):
        return data.subset(index)

    def concat(self, parts: list):
        from augmentlab.data.annotated import AnnotatedImages

        return AnnotatedImages.join(parts)

    def sample_shape(self, data) -> tuple[int, ...]:
        return tuple(data.images.shape[1:])

    def hash_into(self, h: hashlib._Hash, data) -> None:
        h.update(data.images.contiguous().numpy())
        for name, target in sorted(data.targets.present().items()):
            h.update(name.encode())
            for value in _tensors_of(target):
                h.update(value.contiguous().numpy().tobytes())

    def item_keys(self, data) -> list[bytes]:
        return super().item_keys(data.images)  # the image is the item; its boxes follow it

    def sample_bytes(self, data) -> int:
        if not len(data):
            return 0
        per_image = data.images[:1].numel()
        mask = data.targets.mask
        boxes = data.targets.boxes
        extra = 0 if mask is None else mask.values[:1].numel() * mask.values.element_size()
        if boxes is not None and boxes.masks is not None:
            extra += boxes.masks.numel() // max(1, len(data))
        return per_image + extra

    def metric(self, data) -> str:
        """mIoU for semantic masks, AP50 for boxes."""
        from augmentlab.data.annotated import TASKS

        return TASKS[data.task]

    def check_test(self, data, test) -> None:
        super().check_test(data, test)
        if self.metric(test) != self.metric(data):
            raise AugmentlabError(f"test is scored by {self.metric(test)} but the data by {self.metric(data)}; "
                                  "give a test set with the same kind of targets", field="test")
        if test.class_names != data.class_names:
            raise AugmentlabError(f"test names the classes {', '.join(test.class_names)[:200]} but the data "
                                  f"{', '.join(data.class_names)[:200]}; the model learns the data's", field="test")

    def model_for(self, data) -> str:
        """The task decides: a U-Net for semantic masks, a CenterNet for boxes."""
        return TASK_MODELS[data.task]

    def check_model(self, data, model: str) -> None:
        """The only model a task trains is its own (search trials and runs build it by task)."""
        super().check_model(data, model)
        if model != self.model_for(data):
            raise AugmentlabError(f"model {model!r} does not fit {TASK_TARGETS[data.task]}; expected {self.model_for(data)}",
                                  field="model")

    # -- files -----------------------------------------------------------------------------
    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        return 3 if _is_coco_json(path) or folder_format(path) is not None else 0

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.coco import read_coco
        from augmentlab.data.mask_folder import read_mask_folder
        from augmentlab.data.yolo import read_yolo

        fmt = "coco" if path.is_file() else folder_format(path)
        if fmt == "coco":
            data = read_coco(path if path.is_file() else path / "annotations.json", mixed_sizes=options.mixed_sizes)
        elif fmt == "yolo":
            data = read_yolo(path, mixed_sizes=options.mixed_sizes)
        else:
            data = read_mask_folder(path, mixed_sizes=options.mixed_sizes)
        return annotated_dataset(data)

    def output_format(self, ds, out: Path) -> str:
        """Written as a folder in the input's format (COCO: ``annotations.json`` beside
        ``images/``)."""
        from augmentlab.outputs import FILE_SUFFIXES

        if Path(out).suffix.lower() in FILE_SUFFIXES:
            raise AugmentlabError(f"out {out}: annotated images are written as a {ds.source_format} folder; give a folder name",
                                  field="out")
        return ds.source_format

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.coco import write_coco
        from augmentlab.data.mask_folder import write_mask_folder
        from augmentlab.data.yolo import write_yolo

        data = ds.data
        if fmt == "masks" and data.targets.mask is None:
            raise AugmentlabError("out: a mask folder needs semantic masks; these images have boxes", field="out")
        if fmt in ("coco", "yolo") and data.targets.boxes is None:
            raise AugmentlabError(f"out: a {fmt} folder needs boxes; these images have semantic masks", field="out")
        {"coco": write_coco, "yolo": write_yolo, "masks": write_mask_folder}[fmt](path, data)


def _tensors_of(target) -> list[torch.Tensor]:
    """Every tensor a target holds, in a fixed order (for hashing)."""
    from dataclasses import fields

    out = []
    for f in fields(target):
        value = getattr(target, f.name)
        if isinstance(value, torch.Tensor):
            out.append(value)
        elif isinstance(value, dict):
            out += [value[k] for k in sorted(value)]
    return out
