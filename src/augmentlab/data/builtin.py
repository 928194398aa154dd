"""Built-in data that needs no download: scikit-learn's bundled 8x8 digits, and digits
placed on canvases for detection and segmentation (``data/canvas.py``)."""

from __future__ import annotations

import numpy as np

from augmentlab.data.dataset import Dataset


def digits() -> Dataset:
    """1,797 8x8 grey digits, 10 classes; values 0..16 rescaled to uint8 0..255."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = np.rint(d.images * (255.0 / 16.0)).astype(np.uint8)
    return Dataset.from_images(images, d.target.astype(np.int64), tuple(str(i) for i in range(10)), "npz", where="digits")


CANVAS_IMAGES, CANVAS_SEED = 1000, 0


def canvas_seg() -> Dataset:
    """1,000 64x64 canvases with 1-4 digits each and a semantic mask (background + 10 digits)."""
    from augmentlab.data.canvas import make_canvas
    from augmentlab.modality.annotated import annotated_dataset

    return annotated_dataset(make_canvas("canvas-seg", CANVAS_IMAGES, CANVAS_SEED))


def canvas_det() -> Dataset:
    """The same 1,000 canvases with a box (and instance mask) per digit."""
    from augmentlab.data.canvas import make_canvas
    from augmentlab.modality.annotated import annotated_dataset

    return annotated_dataset(make_canvas("canvas-det", CANVAS_IMAGES, CANVAS_SEED))
