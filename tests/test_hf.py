"""Hugging Face datasets: ds.map with augmentlab's function gives the same examples at any
batch size and with two processes; on_the_fly reads the same draws for the same epoch and
new ones for the next; text columns work too."""

import numpy as np
import pytest

datasets = pytest.importorskip("datasets")

from augmentlab.errors import AugmentlabError  # noqa: E402
from augmentlab.hf import map_function, on_the_fly  # noqa: E402


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    ds = datasets.Dataset.from_dict({"image": [rng.integers(0, 256, (10, 12, 3), dtype=np.uint8) for _ in range(12)],
                                     "label": list(range(12))})
    return ds.cast_column("image", datasets.Image())


def _arrays(ds):
    return [np.asarray(example["image"]) for example in ds]


def test_map_does_not_depend_on_batch_size_or_process_count(images):
    fn = map_function("hflip+affine(m=0.5)", seed=0)
    small = _arrays(images.map(fn, batched=True, with_indices=True, batch_size=3))
    two = _arrays(images.map(fn, batched=True, with_indices=True, batch_size=5, num_proc=2))
    assert all(np.array_equal(a, b) for a, b in zip(small, two))
    assert sum(not np.array_equal(a, b) for a, b in zip(small, _arrays(images))) > 6
    other = _arrays(images.map(map_function("hflip+affine(m=0.5)", seed=1), batched=True, with_indices=True))
    assert any(not np.array_equal(a, b) for a, b in zip(small, other))


def test_on_the_fly_draws_by_index_and_epoch(images):
    mapped = _arrays(images.map(map_function("affine(m=0.5)", seed=0), batched=True, with_indices=True))
    fly = on_the_fly(images, "affine(m=0.5)", seed=0)
    assert np.array_equal(np.asarray(fly[4]["image"]), mapped[4]) and np.array_equal(np.asarray(fly[4]["image"]), mapped[4])
    next_epoch = on_the_fly(images, "affine(m=0.5)", seed=0, epoch=1)
    assert not np.array_equal(np.asarray(next_epoch[4]["image"]), mapped[4])
    assert fly[4]["label"] == 4 and "__augmentlab_index__" not in fly[4]


def test_text_columns_and_batch_ops():
    texts = datasets.Dataset.from_dict({"sentence": ["the movie was a wonderful surprise full of heart"] * 6})
    fn = map_function("delete(m=0.3)", seed=2, column="sentence", modality="text")
    a = texts.map(fn, batched=True, with_indices=True, batch_size=2)["sentence"]
    b = texts.map(fn, batched=True, with_indices=True, batch_size=6)["sentence"]
    assert list(a) == list(b) and len(set(a)) > 1
    with pytest.raises(AugmentlabError, match="mix whole batches"):
        map_function("mixup", seed=0)
