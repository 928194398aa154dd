"""YOLO detection folders: ``images/<name>.<ext>`` and ``labels/<name>.txt`` with one line
``class cx cy w h`` per box, normalised to the image (an image without a label file has no
boxes). Class names come from ``classes.txt`` (one per line) or a ``data.yaml`` ``names``
list when there is one, else the class numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import yaml
from PIL import Image

from augmentlab.data.annotated import AnnotatedImages, boxes_of, common_size, image_files, load_rgb_or_grey, png_names, resized, stack_images
from augmentlab.data.targets import EDGE_SLACK, Targets, from_xyxy, to_xyxy
from augmentlab.errors import AugmentlabError


def _class_names(root: Path, largest: int) -> tuple[str, ...]:
    if (root / "classes.txt").is_file():
        names = [line.strip() for line in (root / "classes.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    elif (root / "data.yaml").is_file():
        raw = (yaml.safe_load((root / "data.yaml").read_text(encoding="utf-8")) or {}).get("names", [])
        names = [raw[k] for k in sorted(raw)] if isinstance(raw, dict) else list(raw)
    else:
        return tuple(str(k) for k in range(largest + 1))
    if largest >= len(names):
        raise AugmentlabError(f"{root}: labels use class {largest}, but the class list names only {len(names)} classes")
    return tuple(str(n) for n in names)


def _read_labels(file: Path, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(boxes xyxy in pixels, classes) of one label file."""
    boxes, classes = [], []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise AugmentlabError(f"{file}:{number}: expected 'class cx cy w h' (5 numbers), got {len(parts)}: {line.strip()!r}")
        try:
            cls, values = int(parts[0]), [float(v) for v in parts[1:]]
        except ValueError:
            raise AugmentlabError(f"{file}:{number}: expected an integer class and four numbers, got {line.strip()!r}") from None
        if cls < 0:
            raise AugmentlabError(f"{file}:{number}: class {cls} is negative")
        xyxy = to_xyxy(torch.tensor([values]), "yolo", (h, w))[0].numpy()
        if values[2] < 0 or values[3] < 0 or xyxy[0] < -EDGE_SLACK or xyxy[1] < -EDGE_SLACK or xyxy[2] > w + EDGE_SLACK or xyxy[3] > h + EDGE_SLACK:
            raise AugmentlabError(f"{file}:{number}: box {values} is not inside the image (normalised centre, width and height in [0, 1])")
        boxes.append(xyxy)
        classes.append(cls)
    return np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(classes, dtype=np.int64)


def read_yolo(root: str | Path, *, mixed_sizes: str = "resize") -> AnnotatedImages:
    root = Path(root)
    images_dir, labels_dir = root / "images", root / "labels"
    if not images_dir.is_dir():
        raise AugmentlabError(f"{root}: a YOLO folder needs images/ (and labels/ with one .txt per image)")
    files = image_files(images_dir)
    arrays, per_image = [], []
    for f in files:
        arrays.append(load_rgb_or_grey(f))
        h, w = arrays[-1].shape[:2]
        label_file = labels_dir / f.relative_to(images_dir).with_suffix(".txt")
        per_image.append(_read_labels(label_file, w, h) if label_file.is_file() else (np.zeros((0, 4)), np.zeros(0, np.int64)))
    names = [str(f.relative_to(images_dir)) for f in files]
    size = common_size([a.shape[:2] for a in arrays], names, mixed_sizes, str(root))
    out, boxes = [], []
    for array, (xyxy, _) in zip(arrays, per_image):
        array, xyxy, _ = resized(array, size, xyxy)
        out.append(array)
        boxes.append(xyxy)
    labels = [classes for _, classes in per_image]
    largest = max((int(c.max()) for c in labels if len(c)), default=0)
    targets = Targets(boxes=boxes_of(boxes, labels, size))
    return AnnotatedImages(stack_images(out), targets, _class_names(root, largest), tuple(names), "yolo")


def write_yolo(root: str | Path, data: AnnotatedImages) -> None:
    """``root/images/<stem>.png``, ``root/labels/<stem>.txt`` and ``root/classes.txt``."""
    root = Path(root)
    boxes = data.targets.boxes
    hwc = data.images.permute(0, 2, 3, 1).numpy()
    H, W = hwc.shape[1:3]
    for i, (array, name) in enumerate(zip(hwc, png_names(data.names))):
        image, label = root / "images" / name, (root / "labels" / name).with_suffix(".txt")
        image.parent.mkdir(parents=True, exist_ok=True)
        label.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array.squeeze(-1) if array.shape[-1] == 1 else array).save(image)
        rows = range(int(boxes.offsets[i]), int(boxes.offsets[i + 1])) if boxes is not None else range(0)
        values = from_xyxy(boxes.xyxy, "yolo", (H, W)) if boxes is not None else None
        label.write_text("".join(f"{int(boxes.labels[r])} " + " ".join(f"{v:.6f}" for v in values[r].tolist()) + "\n" for r in rows),
                         encoding="utf-8")
    (root / "classes.txt").write_text("".join(f"{n}\n" for n in data.class_names), encoding="utf-8")
