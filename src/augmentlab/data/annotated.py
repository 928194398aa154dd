"""Images with their targets as read from a detection or segmentation format (COCO, YOLO,
mask folders): the batch, its boxes, masks or keypoints, the class names, and each image's
file name so a writer can put them back in the same layout."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from augmentlab.data.targets import Boxes, SemanticMask, Targets
from augmentlab.errors import AugmentlabError, AugmentlabNotice

MIXED_SIZES = ("resize", "reject")
# what a model learns from annotated images, and the score the lab reports for it
TASKS = {"segment": "miou", "detect": "ap50"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def image_files(images_dir: Path) -> list[Path]:
    """The images below ``images_dir``, sorted; refuses a folder with none."""
    files = sorted(f for f in images_dir.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise AugmentlabError(f"{images_dir}: holds no images")
    return files


@dataclass(frozen=True)
class AnnotatedImages:
    images: torch.Tensor  # (N, C, H, W) uint8
    targets: Targets
    class_names: tuple[str, ...]
    names: tuple[str, ...]  # each image's file name, relative to its images folder
    source_format: str  # "coco", "yolo" or "masks"
    layout: object = field(default=None, compare=False)  # what the writer needs to copy the input's layout

    def __post_init__(self):
        self.targets.check(self.images)
        if len(self.names) != len(self.images):
            raise AugmentlabError(f"{len(self.names)} file names for {len(self.images)} images")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def task(self) -> str:
        """``segment`` for images with a semantic mask, ``detect`` for images with boxes."""
        if self.targets.mask is not None:
            return "segment"
        if self.targets.boxes is not None:
            return "detect"
        raise AugmentlabError("data has neither masks nor boxes to learn")

    def subset(self, index) -> AnnotatedImages:
        index = torch.as_tensor(index, dtype=torch.int64)
        return replace(self, images=self.images[index], targets=self.targets.images(index), names=tuple(self.names[i] for i in index.tolist()))

    @staticmethod
    def join(parts: list[AnnotatedImages]) -> AnnotatedImages:
        """Batches of the same data placed one after another (an augmented set: the
        originals, then each copy)."""
        return replace(parts[0], images=torch.cat([p.images for p in parts]), targets=Targets.join([p.targets for p in parts]),
                       names=tuple(name for p in parts for name in p.names))


def load_rgb_or_grey(path, channels: int | None = None) -> np.ndarray:
    """An image file as H x W x C uint8 (C = 1 or 3): grey stays grey unless ``channels``
    asks for 3; anything else becomes RGB."""
    try:
        with Image.open(path) as im:
            im.load()
            mode = "L" if im.mode in ("L", "I;16", "I", "1") and channels != 3 else "RGB"
            arr = np.asarray(im.convert(mode))
    except (OSError, ValueError) as e:
        raise AugmentlabError(f"{path}: not a readable image ({e})") from None
    return arr[..., None] if arr.ndim == 2 else arr


def common_size(sizes: list[tuple[int, int]], names: list[str], on_mixed_sizes: str, where: str) -> tuple[int, int]:
    """The most common (H, W); other sizes are resized to it (a notice) or refused."""
    if on_mixed_sizes not in MIXED_SIZES:
        raise AugmentlabError(f"mixed_sizes: {on_mixed_sizes!r} is unknown; expected one of {', '.join(MIXED_SIZES)}", field="mixed_sizes")
    target = Counter(sizes).most_common(1)[0][0]
    odd = [n for n, s in zip(names, sizes) if s != target]
    if odd and on_mixed_sizes == "reject":
        raise AugmentlabError(f"{where}: {odd[0]} is not {target[1]}x{target[0]} like the others; use resize to accept mixed sizes",
                              field="mixed_sizes")
    if odd:
        warnings.warn(AugmentlabNotice(f"{where}: {len(odd)} images resized to the common {target[1]}x{target[0]}, "
                                       f"with their boxes and masks"), stacklevel=3)
    return target


def resized(image: np.ndarray, size: tuple[int, int], boxes: np.ndarray | None = None, masks: np.ndarray | None = None):
    """An H x W x C image brought to ``size`` (H, W) bilinearly, with its xyxy boxes scaled
    and its (K, H, W) masks resized by nearest neighbour."""
    H, W = size
    h, w = image.shape[:2]
    if (h, w) == (H, W):
        return image, boxes, masks
    out = np.asarray(Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).resize((W, H), Image.BILINEAR))
    out = out[..., None] if out.ndim == 2 else out
    if boxes is not None:
        boxes = boxes * np.array([W / w, H / h, W / w, H / h])
    if masks is not None:
        masks = np.stack([np.asarray(Image.fromarray(m).resize((W, H), Image.NEAREST)) for m in masks]) if len(masks) else \
            np.zeros((0, H, W), masks.dtype)
    return out, boxes, masks


def stack_images(images: list[np.ndarray]) -> torch.Tensor:
    """H x W x C arrays (grey and colour mixed: all become RGB) as (N, C, H, W) uint8."""
    channels = max(im.shape[-1] for im in images)
    return torch.from_numpy(np.stack([np.repeat(im, channels, -1) if im.shape[-1] != channels else im for im in images])).permute(0, 3, 1, 2).contiguous()


def semantic(values: list[np.ndarray], ignore: int) -> SemanticMask:
    return SemanticMask(torch.from_numpy(np.stack(values)), ignore=ignore)


def boxes_of(per_image: list[np.ndarray], labels: list[np.ndarray], size: tuple[int, int], fields=None, masks=None) -> Boxes:
    return Boxes.of([torch.from_numpy(b.reshape(-1, 4)) for b in per_image], [torch.from_numpy(lab) for lab in labels], size=size,
                    fields=fields, masks=masks)


def png_names(names: tuple[str, ...]) -> list[str]:
    """Each name with a .png suffix (the writers save PNG); repeats (augmented copies) get a counter."""
    used: set[str] = set()
    out = []
    for name in names:
        stem, count = str(Path(name).with_suffix("")), 0
        candidate = f"{stem}.png"
        while candidate in used:
            count += 1
            candidate = f"{stem}-{count}.png"
        used.add(candidate)
        out.append(candidate)
    return out
