"""The modality registry: lookups, sniffing by claims, and a new kind of data plugged in
from outside the package (new files plus one registration, nothing else edited)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset, save_dataset
from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.modality import Modality, get_modality, modalities, register_modality, registry


class SeriesLike(Modality):
    """A toy third kind: float series (N, C, T) in .npz files with a float ``x``."""

    name = "toyseries"
    noun = "series"
    training = "batches"
    preview = "grid"
    models = ("mlp",)
    baselines = {}
    default_space = None
    formats = ("toynpz",)
    files = "a .npz of float series"

    def check_data(self, data):
        if not (isinstance(data, torch.Tensor) and data.ndim == 3 and data.is_floating_point()):
            raise AugmentlabError("toyseries data must be a float (N, C, T) tensor")

    def claims(self, path: Path, options=None) -> int:
        if path.suffix != ".npz":
            return 0
        with np.load(path) as z:
            return 3 if "x" in z and z["x"].dtype.kind == "f" and z["x"].ndim == 3 else 0

    def read(self, path, *, like=None, options=None):
        with np.load(path) as z:
            x, y = torch.from_numpy(z["x"]), torch.from_numpy(z["y"].astype(np.int64))
        return Dataset(x, y, tuple(str(i) for i in range(int(y.max()) + 1)), self.name, "toynpz")

    def output_format(self, ds, out):
        return "toynpz"

    def write(self, path, ds, fmt):
        with open(path, "wb") as f:
            np.savez(f, x=ds.data.numpy(), y=ds.labels.numpy())


@pytest.fixture
def toyseries():
    kind = register_modality(SeriesLike())
    yield kind
    del registry._MODALITIES[kind.name]


def test_builtins_are_registered_once_and_looked_up_by_name():
    assert [m.name for m in modalities()][:3] == ["image", "text", "audio"]
    assert get_modality("text").noun == "sentences" and get_modality("image").training == "batches"
    with pytest.raises(ValueError, match="already registered"):
        register_modality(get_modality("image"))
    with pytest.raises(AugmentlabError, match="modality 'video' is unknown; expected one of image, text, audio"):
        get_modality("video")


def test_a_modality_declares_a_known_training_style():
    class Bad(SeriesLike):
        name = "bad"
        training = "sometimes"

    with pytest.raises(ValueError, match="training 'sometimes'"):
        register_modality(Bad())


def test_the_highest_claim_reads_the_file(tmp_path, toyseries):
    # .npz is images by default (claim 1); a float (N, C, T) x is claimed more surely by the new kind
    series = tmp_path / "s.npz"
    np.savez(series, x=np.random.default_rng(0).normal(size=(6, 2, 50)).astype(np.float32), y=np.arange(6) % 2)
    ds = load_dataset(series)
    assert ds.modality == "toyseries" and ds.kind is toyseries and ds.data.shape == (6, 2, 50)
    images = tmp_path / "i.npz"
    np.savez(images, images=np.zeros((4, 8, 8), np.uint8), labels=np.array([0, 1, 0, 1]))
    assert load_dataset(images).modality == "image"
    # the new kind's own checks, take and writer are what the container uses
    assert len(ds.subset(torch.tensor([0, 2]))) == 2
    with pytest.raises(AugmentlabError, match="float \\(N, C, T\\)"):
        Dataset(torch.zeros(2, 3), torch.zeros(2, dtype=torch.int64), ("0",), "toyseries")
    out = tmp_path / "out.npz"
    assert save_dataset(ds, out) == "toynpz"
    assert torch.equal(load_dataset(out).data, ds.data)


def test_unclaimed_paths_name_what_every_modality_reads(tmp_path, toyseries):
    odd = tmp_path / "notes.bin"
    odd.write_bytes(b"\0")
    with pytest.raises(AugmentlabError, match="expected .npz, a folder of IDX files, an image folder, a .tsv/.csv text table, a folder of .wav/.flac files, "
                                              r"COCO annotations \(a .json file, or annotations.json beside images/\), "
                                              r"a YOLO or mask folder \(images/ beside labels/ or masks/\), "
                                              r"UCR/UEA .ts series \(a file, or a folder with NAME_TRAIN.ts and NAME_TEST.ts\), "
                                              r"series in .npz or .csv, a .csv or .parquet table with its target column named \(--target\), "
                                              r"or a .npz of float series"):
        load_dataset(odd)


def test_features_and_foreign_parts_are_refused_with_the_data_kind():
    text = get_modality("text")
    with pytest.raises(AugmentlabError, match="^adaptive works on image, audio or series data; this data is text") as error:
        text.require("adaptive", "adaptive")
    assert error.value.fields == ("adaptive",)
    with pytest.raises(AugmentlabError, match="op 'rotate' works on image data, but this data is text"):
        text.refuse_foreign([("swap", "text"), ("rotate", "image")])
    text.refuse_foreign([("swap", "text")])  # its own parts pass
