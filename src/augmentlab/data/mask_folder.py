"""Semantic segmentation folders: ``images/<name>.<ext>`` and ``masks/<name>.png`` (same
stem; one class id per pixel, 8- or 16-bit grey; 255 marks pixels without a class). Class
names come from ``classes.txt`` (one per line, in id order) when there is one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from augmentlab.data.annotated import AnnotatedImages, common_size, image_files, load_rgb_or_grey, png_names, resized, semantic, stack_images
from augmentlab.data.targets import Targets
from augmentlab.errors import AugmentlabError

IGNORE = 255


def _read_mask(file: Path) -> np.ndarray:
    try:
        with Image.open(file) as im:
            if im.mode not in ("L", "P", "I;16", "I", "1"):
                raise AugmentlabError(f"{file}: a mask must be a grey (or palette) image of class ids, not {im.mode}")
            values = np.asarray(im)
    except OSError as e:
        raise AugmentlabError(f"{file}: not a readable mask image ({e})") from None
    return values.astype(np.uint8 if values.max(initial=0) <= 255 else np.int32)


def read_mask_folder(root: str | Path, *, mixed_sizes: str = "resize", ignore: int = IGNORE) -> AnnotatedImages:
    root = Path(root)
    images_dir, masks_dir = root / "images", root / "masks"
    if not images_dir.is_dir() or not masks_dir.is_dir():
        raise AugmentlabError(f"{root}: a segmentation folder needs images/ and masks/ (one PNG per image, same name)")
    files = image_files(images_dir)
    arrays, masks = [], []
    for f in files:
        mask_file = masks_dir / f.relative_to(images_dir).with_suffix(".png")
        if not mask_file.is_file():
            raise AugmentlabError(f"{f}: has no mask {mask_file.relative_to(root)}")
        arrays.append(load_rgb_or_grey(f))
        masks.append(_read_mask(mask_file))
        if masks[-1].shape != arrays[-1].shape[:2]:
            raise AugmentlabError(f"{mask_file}: is {masks[-1].shape[1]}x{masks[-1].shape[0]}, but its image is "
                                  f"{arrays[-1].shape[1]}x{arrays[-1].shape[0]}")
    names = [str(f.relative_to(images_dir)) for f in files]
    size = common_size([a.shape[:2] for a in arrays], names, mixed_sizes, str(root))
    wide = any(m.dtype != np.uint8 for m in masks)
    out_images, out_masks = [], []
    for array, mask in zip(arrays, masks):
        array, _, moved = resized(array, size, masks=mask[None].astype(np.int32 if wide else np.uint8))
        out_images.append(array)
        out_masks.append(moved[0])
    classes = sorted({int(v) for m in out_masks for v in np.unique(m)} - {ignore})
    return AnnotatedImages(stack_images(out_images), Targets(mask=semantic(out_masks, ignore)), _class_names(root, classes),
                           tuple(names), "masks", layout={"ignore": ignore})


def _class_names(root: Path, classes: list[int]) -> tuple[str, ...]:
    largest = max(classes, default=0)
    if (root / "classes.txt").is_file():
        names = [line.strip() for line in (root / "classes.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
        if largest >= len(names):
            raise AugmentlabError(f"{root}: masks use class {largest}, but classes.txt names only {len(names)} classes")
        return tuple(names)
    return tuple(str(k) for k in range(largest + 1))


def write_mask_folder(root: str | Path, data: AnnotatedImages) -> None:
    """``root/images/<stem>.png``, ``root/masks/<stem>.png`` and ``root/classes.txt``."""
    root = Path(root)
    hwc = data.images.permute(0, 2, 3, 1).numpy()
    values = data.targets.mask.values.numpy()
    for array, mask, name in zip(hwc, values, png_names(data.names)):
        for folder, picture in (("images", array.squeeze(-1) if array.shape[-1] == 1 else array),
                                ("masks", mask.astype(np.uint8) if mask.max(initial=0) <= 255 else mask.astype(np.uint16))):
            target = root / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(picture).save(target)
    (root / "classes.txt").write_text("".join(f"{n}\n" for n in data.class_names), encoding="utf-8")
