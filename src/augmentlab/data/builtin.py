"""Built-in data that needs no download: scikit-learn's bundled 8x8 digits."""

from __future__ import annotations

import numpy as np

from augmentlab.data.dataset import Dataset


def digits() -> Dataset:
    """1,797 8x8 grey digits, 10 classes; values 0..16 rescaled to uint8 0..255."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = np.rint(d.images * (255.0 / 16.0)).astype(np.uint8)
    return Dataset.from_images(images, d.target.astype(np.int64), tuple(str(i) for i in range(10)), "npz", where="digits")
