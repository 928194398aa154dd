"""Built-in data that needs no download: scikit-learn's bundled 8x8 digits, and digits
placed on canvases for detection and segmentation (``data/canvas.py``)."""

from __future__ import annotations

import numpy as np

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits, ``(images 0..16 as float, labels)``. Read from the
    file scikit-learn ships, found without importing it (importing sklearn.datasets takes
    about 2 s here, most of a short command's time); ``load_digits`` where the file moved."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise AugmentlabError("the built-in digits come with scikit-learn: pip install scikit-learn")
    for folder in spec.submodule_search_locations or []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            data = np.loadtxt(path, delimiter=",")  # what load_digits reads: 64 pixels, then the label
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images, d.target.astype(np.int64)


def digits() -> Dataset:
    """1,797 8x8 grey digits, 10 classes; values 0..16 rescaled to uint8 0..255."""
    pixels, labels = _digits_arrays()
    images = np.rint(pixels * (255.0 / 16.0)).astype(np.uint8)
    return Dataset.from_images(images, labels, tuple(str(i) for i in range(10)), "npz", where="digits")


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
