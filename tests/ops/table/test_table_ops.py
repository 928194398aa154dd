"""What the table ops promise beyond the contract: noise in each column's own units,
categories that never leave their set, masks that make values missing, MixUp within a
class, and oversamplers in the policy language that add rows only of the rarer classes."""

import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.ops import create_op
from augmentlab.policy import parse_policy
from augmentlab.rng import torch_generator
from tests.table_data import write_loans


@pytest.fixture
def loans(tmp_path):
    return load_dataset(write_loans(tmp_path / "loans.csv", rows=300), options=ReadOptions(target="deny")).data


def test_gaussian_noise_is_scaled_to_each_numeric_column(loans):
    out = create_op("gaussian_noise", "table", m=1.0, mode="fixed")(loans, torch_generator(0))
    change = out.numeric - loans.numeric
    ratio = np.nanstd(change, axis=0) / loans.stats.scale
    assert np.allclose(ratio, 0.2, rtol=0.15)  # 0.2 of each column's spread, whatever its units
    assert np.array_equal(np.isnan(out.numeric), np.isnan(loans.numeric)) and np.array_equal(out.codes, loans.codes)


@pytest.mark.parametrize("name", ["swap_noise", "feature_mask"])
def test_cell_ops_touch_about_their_share_and_categories_stay_in_their_set(loans, name):
    out = create_op(name, "table", m=1.0, mode="fixed")(loans, torch_generator(1))
    touched = np.mean(np.r_[(out.codes != loans.codes).ravel(), (~np.isclose(out.numeric, loans.numeric, equal_nan=True)).ravel()])
    assert 0.15 < touched < 0.31  # at most 0.3 of cells (a swap may draw the value it had)
    for j, column in enumerate(loans.schema.coded_columns):
        assert set(out.codes[:, j].tolist()) <= set(range(-1, len(column.categories)))
    if name == "feature_mask":
        assert (out.codes == -1).sum() > 0 and np.isnan(out.numeric).sum() > np.isnan(loans.numeric).sum()


def test_swap_noise_on_categorical_columns_resamples_categories_only(loans):
    out = create_op("swap_noise", "table", m=1.0, mode="fixed", columns="categorical")(loans, torch_generator(2))
    assert np.array_equal(out.numeric, loans.numeric, equal_nan=True) and (out.codes != loans.codes).any()


def test_mixup_mixes_rows_of_one_class_and_keeps_categories(loans):
    policy = parse_policy("mixup(m=1)", "table")
    (op,) = policy.batch_ops
    mixed, target = op.apply_batch(loans, torch.from_numpy(loans.labels), 2, torch_generator(3))
    assert np.array_equal(mixed.labels, loans.labels) and np.array_equal(target.numpy(), loans.labels)
    for c in (0, 1):  # every mixed value lies within its class's range
        rows = loans.labels == c
        low, high = np.nanmin(loans.numeric[rows], 0), np.nanmax(loans.numeric[rows], 0)
        assert ((mixed.numeric[rows] >= low - 1e-9) | np.isnan(mixed.numeric[rows])).all()
        assert ((mixed.numeric[rows] <= high + 1e-9) | np.isnan(mixed.numeric[rows])).all()
    assert (mixed.codes >= -1).all() and not np.array_equal(mixed.numeric, loans.numeric, equal_nan=True)


def test_an_oversampler_in_a_policy_adds_rows_of_the_rarer_class_only(loans):
    policy = parse_policy("smotenc(m=1)", "table")
    (op,) = policy.batch_ops
    grown, target = op.apply_batch(loans, torch.from_numpy(loans.labels), 2, torch_generator(4))
    counts = np.bincount(grown.labels)
    assert counts[0] == counts[1] == np.bincount(loans.labels).max()
    assert grown[: len(loans)].same_rows(loans) and np.array_equal(target.numpy(), grown.labels)
    again, _ = op.apply_batch(loans, torch.from_numpy(loans.labels), 2, torch_generator(4))
    assert again.same_rows(grown)
    assert parse_policy("smote", "table").batch_ops[0].m == 1.0  # plain smote balances, as imbalanced-learn's does
