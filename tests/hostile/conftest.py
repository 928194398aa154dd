from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def write_image_folder(root: Path, classes=("cat", "dog"), per_class=3, size=(8, 8), mode="L") -> Path:
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            shape = size if mode == "L" else (*size, len(mode))
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(root / c / f"{i}.png")
    return root


def write_npz(path: Path, n=6, labels=None, **extra) -> Path:
    rng = np.random.default_rng(0)
    images = extra.pop("images", rng.integers(0, 256, (n, 8, 8), dtype=np.uint8))
    np.savez(path, images=images, labels=np.arange(n) % 2 if labels is None else labels, **extra)
    return path


@pytest.fixture
def imgs(tmp_path) -> Path:
    return write_image_folder(tmp_path / "imgs")


@pytest.fixture
def npz(tmp_path) -> Path:
    return write_npz(tmp_path / "in.npz")


@pytest.fixture
def tsv(tmp_path) -> Path:
    path = tmp_path / "train.tsv"
    path.write_text("sentence\tlabel\na fine film\t1\na dull film\t0\ngood\t1\nbad\t0\n", encoding="utf-8")
    return path
