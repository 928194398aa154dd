"""The leakage check: test items equal to items of the data are found, per modality."""

import warnings

import numpy as np
import pytest
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.overlap import check_overlap, find_overlap
from augmentlab.errors import AugmentlabError, AugmentlabNotice


def _images(n, seed):
    return torch.randint(0, 256, (n, 1, 6, 6), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def _image_sets():
    train = Dataset(_images(50, 0), torch.arange(50) % 2, ("a", "b"))
    test_x = _images(20, 1)
    test_x[[4, 11]] = train.data[[7, 30]]  # two copies of training images
    test = Dataset(test_x, torch.arange(20) % 2, ("a", "b"))
    return train, test


def test_copied_images_are_found_with_where_they_came_from():
    train, test = _image_sets()
    found = find_overlap(train, test)
    assert found["count"] == 2 and found["test_items"] == 20
    assert found["examples"] == ["test item 4 = data item 7", "test item 11 = data item 30"]
    near = test.data.clone()
    near[4, 0, 0, 0] ^= 1  # one level in one pixel: another image
    assert find_overlap(train, Dataset(near, test.labels, ("a", "b")))["count"] == 1


def test_sentences_match_up_to_case_and_spacing():
    train = Dataset(np.array(["A fine film.", "dull and long", "great"]), torch.tensor([1, 0, 1]), ("neg", "pos"), modality="text")
    test = Dataset(np.array(["a  FINE film.", "fine film", "Great "]), torch.tensor([1, 1, 1]), ("neg", "pos"), modality="text")
    found = find_overlap(train, test)
    assert found["count"] == 2 and "'A fine film.'" in found["examples"][0]


def test_table_rows_match_on_their_values_whatever_the_label(tmp_path):
    from augmentlab.data.table_dataset import read_table_dataset
    from tests.table_data import write_loans

    path = tmp_path / "loans.csv"
    write_loans(path, rows=40)
    ds = read_table_dataset(path, target="deny")
    rows = ds.kind.take(ds.data, np.array([3, 5, 8]))
    flipped = 1 - ds.labels[[3, 5, 8]]
    assert find_overlap(ds, Dataset(rows, flipped, ds.class_names, modality="table"))["count"] == 3


def test_check_refuses_unless_allowed_and_then_records():
    train, test = _image_sets()
    with pytest.raises(AugmentlabError, match=r"shares 2 of its 20 images with train\.npz .*test item 4 = data item 7.*--allow-overlap"):
        check_overlap(train, test, False, "train.npz", "test.npz")
    with pytest.warns(AugmentlabNotice, match="shares 2"):
        recorded = check_overlap(train, test, True, "train.npz", "test.npz")
    assert recorded["count"] == 2 and recorded["allowed"] is True
    clean = Dataset(_images(20, 1), torch.arange(20) % 2, ("a", "b"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_overlap(train, clean, False, "train.npz", "test.npz")["count"] == 0
    assert check_overlap(train, None, False, "train.npz", None) is None
