"""Table quality figures: real rows from the same table score as good on every figure,
shuffled-away structure and copied rows are caught."""

import numpy as np
import pytest

from augmentlab.data import load_dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.quality.table_quality import column_fidelity, correlation_difference, detection_auc, memorisation
from tests.table_data import write_loans


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    ds = load_dataset(write_loans(tmp_path_factory.mktemp("q") / "loans.csv", rows=800), options=ReadOptions(target="deny"))
    return ds.data[np.arange(0, 800, 2)], ds.data[np.arange(1, 800, 2)]


def test_real_rows_look_real_and_broken_rows_do_not(halves):
    train, other = halves
    rng = np.random.default_rng(0)
    broken = other.with_values(numeric=other.numeric * np.array([1.5, 1.0]), codes=rng.permutation(other.codes, axis=0))
    assert detection_auc(train, other, seed=0) < 0.65 < detection_auc(train, broken, seed=0)
    assert column_fidelity(train, other)["income"]["ks"] < 0.15 < column_fidelity(train, broken)["income"]["ks"]
    shuffled = other.with_values(numeric=np.stack([rng.permutation(other.numeric[:, 0]), other.numeric[:, 1]], 1))
    assert correlation_difference(train, other) < correlation_difference(train, shuffled)


def test_copied_rows_are_caught_as_memorised(halves):
    train, other = halves
    copies = memorisation(train, other, train[np.arange(100)])
    assert copies["exact_copies"] == 100 and copies["closer_than_holdout_p5"] == 1.0
    fresh = memorisation(train, other, other[np.arange(100)])
    assert fresh["exact_copies"] == 0 and fresh["closer_than_holdout_p5"] < 0.2
