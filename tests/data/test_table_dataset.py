"""Tables as datasets: told apart from text CSVs by the target, read as a table when the
user says so, a test file read against the training data's columns and categories, and
the class-ratio split."""

import numpy as np
import pytest

from augmentlab.data import load_dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.data.split import make_splits, proportional_split
from augmentlab.errors import AugmentlabError
from augmentlab.lab import lab_protocol
from tests.table_data import write_loans


def test_a_named_target_makes_a_csv_a_table_and_without_it_the_csv_is_not_one(tmp_path):
    path = write_loans(tmp_path / "loans.csv")
    ds = load_dataset(path, options=ReadOptions(target="deny"))
    assert ds.modality == "table" and ds.class_names == ("no", "yes") and len(ds) == 160
    assert [c.kind for c in ds.data.schema.columns] == ["numeric", "numeric", "categorical", "boolean"]
    assert ds.layout.missing == {"income": 1}
    with pytest.raises(AugmentlabError):  # no target: the text reader tries it and finds no sentence column
        load_dataset(path)
    with pytest.raises(AugmentlabError, match="no target column 'default'"):
        load_dataset(path, options=ReadOptions(target="default"))
    with pytest.raises(AugmentlabError, match="target column named"):
        load_dataset(path, options=ReadOptions(modality="table"))


def test_a_text_csv_with_a_label_target_stays_text(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("sentence,label\na fine film,1\na dull film,0\n")
    assert load_dataset(path, options=ReadOptions(target="label")).modality == "text"


def test_a_test_table_is_coded_by_the_training_categories(tmp_path):
    train = load_dataset(write_loans(tmp_path / "train.csv"), options=ReadOptions(target="deny"))
    test_path = write_loans(tmp_path / "test.csv", rows=40, seed=1, extra_category="west")
    with pytest.raises(AugmentlabError, match="row 41, column 'region': category 'west' is not in the training data"):
        load_dataset(test_path, like=train, options=ReadOptions(target="deny"))
    test = load_dataset(test_path, like=train, options=ReadOptions(target="deny", unseen="missing"))
    assert test.data.schema.columns == train.data.schema.columns
    assert test.data.codes[-1, 0] == -1 and (test.data.codes[:-1, 0] >= 0).all()
    # the same category spelled in the test file is coded as in training
    region = train.data.schema.columns[2]
    assert region.categories == ("east", "north", "south")


def test_the_ratio_split_keeps_the_class_ratio_and_is_disjoint(tmp_path):
    labels = np.r_[np.zeros(880, np.int64), np.ones(120, np.int64)]
    chosen, rest = proportional_split(labels, 100, seed=0)
    assert len(chosen) == 100 and np.bincount(labels[chosen]).tolist() == [88, 12]
    assert not set(chosen) & set(rest) and len(chosen) + len(rest) == 1000
    ds = load_dataset(write_loans(tmp_path / "loans.csv", rows=400), options=ReadOptions(target="deny"))
    protocol = lab_protocol(ds, train_size=100)
    for split in ("per_seed", "fixed"):
        s = make_splits(ds.labels, protocol.__class__(**{**protocol.__dict__, "test_split": split}), 0, external_test=False)
        share = ds.labels.numpy().mean()
        for part in (s.train, s.val, s.test):
            assert abs(ds.labels.numpy()[part].mean() - share) < 0.03
        assert len(s.train) == 100 and not (set(s.train) & set(s.val) or set(s.train) & set(s.test) or set(s.val) & set(s.test))


def test_a_table_is_drawn_by_train_size_never_per_class(tmp_path):
    ds = load_dataset(write_loans(tmp_path / "loans.csv"), options=ReadOptions(target="deny"))
    with pytest.raises(AugmentlabError, match="per_class: rows are drawn train_size in all, keeping the class ratio"):
        lab_protocol(ds, per_class=10).check(ds)
    with pytest.raises(AugmentlabError, match="train_size 159 must lie between 2"):
        lab_protocol(ds, train_size=159).check(ds)
