import gzip

import numpy as np
import pytest
import torch
from PIL import Image

from augmentlab.data import load_dataset, save_dataset, stratified_split
from augmentlab.data.folder import safe_name
from augmentlab.data.idx import write_idx
from augmentlab.errors import AugmentlabError


def _idx_folder(tmp_path, n=12, labels=None, truncate=0):
    imgs = np.random.default_rng(0).integers(0, 256, (n, 7, 5), dtype=np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", imgs)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(n if labels is None else labels, dtype=np.uint8) % 3)
    if truncate:
        p = tmp_path / "train-images-idx3-ubyte.gz"
        raw = gzip.decompress(p.read_bytes())[:-truncate]
        p.write_bytes(gzip.compress(raw))
    return imgs


def test_idx_round_trip(tmp_path):
    imgs = _idx_folder(tmp_path)
    ds = load_dataset(tmp_path)
    assert ds.data.shape == (12, 1, 7, 5) and ds.source_format == "idx"
    assert np.array_equal(ds.images_hwc(), imgs)


def test_truncated_idx_and_count_mismatch(tmp_path):
    _idx_folder(tmp_path, truncate=5)
    with pytest.raises(AugmentlabError, match="truncated"):
        load_dataset(tmp_path)
    other = tmp_path / "b"
    other.mkdir()
    _idx_folder(other, labels=11)
    with pytest.raises(AugmentlabError, match="12 images but 11 labels"):
        load_dataset(other)


def test_npz_aliases_and_round_trip(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (5, 6, 6, 3), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", x=x, y=np.array([0, 1, 2, 1, 0]))
    ds = load_dataset(tmp_path / "a.npz")
    assert ds.data.shape == (5, 3, 6, 6)
    save_dataset(ds, tmp_path / "b.npz")
    back = load_dataset(tmp_path / "b.npz")
    assert torch.equal(back.data, ds.data) and back.class_names == ds.class_names


def test_npz_bad_inputs(tmp_path):
    np.savez(tmp_path / "n.npz", images=np.zeros((3, 4, 4), np.uint8), labels=np.zeros(2, np.int64))
    with pytest.raises(AugmentlabError, match="3 images but 2 labels"):
        load_dataset(tmp_path / "n.npz")
    np.savez(tmp_path / "o.npz", images=np.array([object()], dtype=object), labels=np.zeros(1))
    with pytest.raises(AugmentlabError, match="refused"):
        load_dataset(tmp_path / "o.npz")
    (tmp_path / "c.npz").write_bytes(b"not a zip")
    with pytest.raises(AugmentlabError, match="c.npz"):
        load_dataset(tmp_path / "c.npz")


def _folder(tmp_path, sizes=((8, 8), (8, 8))):
    root = tmp_path / "imgs"
    for cls, size in zip(("cat", "dog"), sizes):
        (root / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((*size, 3), 40 * i, np.uint8)).save(root / cls / f"{i}.png")
    return root


def test_image_folder_read_write(tmp_path):
    ds = load_dataset(_folder(tmp_path))
    assert ds.data.shape == (4, 3, 8, 8) and ds.class_names == ("cat", "dog")
    save_dataset(ds, tmp_path / "out")
    assert torch.equal(load_dataset(tmp_path / "out").data, ds.data)


def test_image_folder_errors(tmp_path):
    root = _folder(tmp_path, sizes=((8, 8), (9, 7)))
    assert load_dataset(root).data.shape[-2:] == (8, 8)
    from augmentlab.data.folder import read_image_folder

    with pytest.raises(AugmentlabError, match="size differs"):
        read_image_folder(root, on_mixed_sizes="reject")
    (root / "dog" / "notes.txt").write_text("hi")
    with pytest.raises(AugmentlabError, match="notes.txt: not an image"):
        load_dataset(root)
    (root / "dog" / "notes.txt").unlink()
    (root / "empty").mkdir()
    with pytest.raises(AugmentlabError, match="empty class folder"):
        load_dataset(root)


def test_decompression_bomb_refused(tmp_path, monkeypatch):
    import augmentlab.data.folder as folder

    root = _folder(tmp_path)
    monkeypatch.setattr(folder, "MAX_PIXELS", 10)
    with pytest.raises(AugmentlabError, match="pixel limit"):
        load_dataset(root)


def test_class_names_cannot_escape_out(tmp_path):
    assert "/" not in safe_name("../../etc") and not safe_name("..").startswith(".")
    from augmentlab.data.dataset import Dataset

    ds = Dataset.from_images(np.zeros((2, 4, 4), np.uint8), np.array([0, 1]), ("../evil", "/abs"))
    save_dataset(ds, tmp_path / "out", "folder")
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.png"))
    assert all(str(p).startswith("out/") and ".." not in p.parts for p in written)


def test_unknown_builtin_and_path():
    with pytest.raises(AugmentlabError, match="not a built-in name"):
        load_dataset("cifar-99")


def test_stratified_split_is_seeded_disjoint_and_balanced():
    labels = torch.arange(100) % 5
    a, rest = stratified_split(labels, 4, seed=1)
    b, _ = stratified_split(labels, 4, seed=1)
    c, _ = stratified_split(labels, 4, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert len(set(a) & set(rest)) == 0 and len(a) + len(rest) == 100
    assert np.all(np.bincount(labels.numpy()[a]) == 4)
    with pytest.raises(AugmentlabError, match="larger than class"):
        stratified_split(labels, 21, seed=0)


def test_shared_mnist_loads(mnist_dir):
    ds = load_dataset(mnist_dir)
    assert ds.data.shape == (10000, 1, 28, 28) and ds.num_classes == 10
