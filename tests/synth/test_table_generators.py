"""Table generators: rows for the asked classes with the fitted table's columns, the same
seed the same rows, categories inside their sets, discrete columns on their own values,
each class's marginals followed, and a checkpoint that loads back to the same draws."""

import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.synth.checkpoint import load_checkpoint, save_checkpoint
from augmentlab.synth.fit import fit_table_generator
from tests.table_data import write_loans


@pytest.fixture(scope="module")
def loans(tmp_path_factory):
    path = write_loans(tmp_path_factory.mktemp("loans") / "loans.csv", rows=400)
    return load_dataset(path, options=ReadOptions(target="deny"))


@pytest.mark.parametrize("model,steps", [("copula", None), ("tvae", 300)])
def test_rows_follow_each_class_and_stay_in_their_sets(loans, model, steps, tmp_path):
    generator, meta, idx = fit_table_generator(loans, model, steps, seed=0, train_size=300, split_seed=1)
    assert meta["train_rows"] == 300 and len(idx) == 300
    labels = np.r_[np.zeros(300, np.int64), np.ones(300, np.int64)]
    rows = generator.sample(labels, seed=4)
    assert rows.schema.columns == loans.data.schema.columns and np.array_equal(rows.labels, labels)
    assert rows.same_rows(generator.sample(labels, seed=4)) and not rows.same_rows(generator.sample(labels, seed=5))
    assert rows[:100].same_rows(generator.sample(labels[:100], seed=4))  # the first rows do not depend on how many follow
    for j, column in enumerate(rows.schema.coded_columns):
        assert set(rows.codes[:, j].tolist()) <= set(range(-1, len(column.categories)))
    real = loans.data[idx.numpy()]
    for c in (0, 1):  # the denied have lower incomes in the data; so must their generated rows
        mean_real = np.nanmean(real.numeric[real.labels == c, 0])
        assert abs(np.nanmean(rows.numeric[rows.labels == c, 0]) - mean_real) < 0.5 * np.nanstd(real.numeric[:, 0])
    save_checkpoint(generator, tmp_path / "g.safetensors", meta, {"train_indices": idx})
    again, _, extra = load_checkpoint(tmp_path / "g.safetensors")
    assert again.sample(labels, seed=4).same_rows(rows) and torch.equal(extra["train_indices"], idx)


def test_discrete_columns_take_only_their_own_values(tmp_path):
    path = tmp_path / "scores.csv"
    rng = np.random.default_rng(0)
    lines = ["score,amount,label"] + [f"{rng.integers(1, 7)},{rng.normal(50, 10):.3f},{'a' if i % 3 else 'b'}" for i in range(300)]
    path.write_text("\n".join(lines) + "\n")
    ds = load_dataset(path, options=ReadOptions(target="label"))
    for model in ("copula", "tvae"):
        generator, _, _ = fit_table_generator(ds, model, 200, seed=0)
        rows = generator.sample(np.zeros(200, np.int64), seed=1)
        assert set(np.unique(rows.numeric[:, 0]).tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
        assert len(np.unique(rows.numeric[:, 1])) > 50  # a continuous column stays continuous
