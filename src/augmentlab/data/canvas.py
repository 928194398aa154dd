"""Built-in detection and segmentation sets that need no download: digits placed on a
canvas (MultiMNIST-style), rendered with a fixed seed, with exact boxes and masks.

``canvas-det``: 1 to 4 digits per 64x64 grey image, one box per digit (class = the digit),
each with its instance mask (boxes are re-boxed from the moved masks, so they stay exact under any warp). ``canvas-seg``: the same pictures with a semantic mask
(0 = background, 1 + d for digit d). Digits come from MNIST when ``$AUGMENTLAB_DATA`` has
its test split, else from scikit-learn's bundled 8x8 digits, scaled up.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.data.targets import Boxes, SemanticMask, Targets, bounding_boxes
from augmentlab.errors import AugmentlabError

KINDS = ("canvas-det", "canvas-seg")
CANVAS = 64
SIZES = (18, 30)  # a digit's side in pixels, drawn uniformly
MAX_DIGITS = 4
INK = 64  # a pixel at or above this much ink belongs to its digit (mask and box)


def _digit_source() -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, h, w) uint8, labels, name): MNIST's test split when present, else sklearn's digits."""
    root = os.environ.get("AUGMENTLAB_DATA")
    if root:
        from augmentlab.data.idx import read_idx

        mnist = Path(root) / "mnist"
        images, labels = mnist / "t10k-images-idx3-ubyte.gz", mnist / "t10k-labels-idx1-ubyte.gz"
        if images.is_file() and labels.is_file():
            return read_idx(images), read_idx(labels).astype(np.int64), "mnist"
    from sklearn.datasets import load_digits

    d = load_digits()
    return np.rint(d.images * (255.0 / 16.0)).astype(np.uint8), d.target.astype(np.int64), "sklearn-digits"


def make_canvas(kind: str, n: int, seed: int = 0) -> AnnotatedImages:
    """``n`` canvases of ``kind`` (``canvas-det`` or ``canvas-seg``), the same for the same seed."""
    if kind not in KINDS:
        raise AugmentlabError(f"canvas: {kind!r} is unknown; expected one of {', '.join(KINDS)}")
    if n < 1:
        raise AugmentlabError(f"canvas: n must be at least 1; got {n}", field="n")
    digits, digit_labels, source = _digit_source()
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 1, CANVAS, CANVAS), np.uint8)
    semantic = np.zeros((n, CANVAS, CANVAS), np.uint8)
    instance_masks, labels = [], []
    for i in range(n):
        masks_i, labels_i = [], []
        for _ in range(int(rng.integers(1, MAX_DIGITS + 1))):
            k = int(rng.integers(len(digits)))
            side = int(rng.integers(SIZES[0], SIZES[1] + 1))
            glyph = np.asarray(Image.fromarray(digits[k]).resize((side, side), Image.BILINEAR))
            for _attempt in range(20):  # a free spot: digits may touch but not overlap
                y, x = (int(v) for v in rng.integers(0, CANVAS - side + 1, 2))
                if not semantic[i, y : y + side, x : x + side].any():
                    break
            else:
                continue
            ink = glyph >= INK
            if not ink.any():
                continue
            region = images[i, 0, y : y + side, x : x + side]
            np.maximum(region, glyph, out=region)
            semantic[i, y : y + side, x : x + side][ink] = 1 + digit_labels[k]
            mask = np.zeros((CANVAS, CANVAS), np.uint8)
            mask[y : y + side, x : x + side] = ink
            masks_i.append(mask)
            labels_i.append(int(digit_labels[k]))
        instance_masks.append(np.stack(masks_i) if masks_i else np.zeros((0, CANVAS, CANVAS), np.uint8))
        labels.append(np.array(labels_i, dtype=np.int64))
    names = tuple(f"{i:05d}.png" for i in range(n))
    if kind == "canvas-seg":
        targets = Targets(mask=SemanticMask(torch.from_numpy(semantic), ignore=255))
        classes = ("background", *(str(d) for d in range(10)))
    else:
        masks = [torch.from_numpy(m) for m in instance_masks]
        xyxy = [bounding_boxes(m) for m in masks]
        targets = Targets(boxes=Boxes.of(xyxy, [torch.from_numpy(lab) for lab in labels], size=(CANVAS, CANVAS), masks=masks, rebox=True))
        classes = tuple(str(d) for d in range(10))
    return AnnotatedImages(torch.from_numpy(images), targets, classes, names, "coco" if kind == "canvas-det" else "masks",
                           layout={"source": source, "seed": seed})
