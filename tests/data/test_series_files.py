"""Series in .npz and CSV: read back what was written, shorter rows kept with their
lengths, labels in numeric order, and each kind of bad file named in one line."""

import numpy as np
import pytest

from augmentlab.data.series import SeriesFile
from augmentlab.data.series_csv import read_series_csv, write_series_csv
from augmentlab.data.series_npz import holds_series, read_series_npz, write_series_npz
from augmentlab.errors import AugmentlabError


def _series(channels=2):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, channels, 9)).astype(np.float32)
    lengths = np.array([9, 5, 9, 7])
    for i, n in enumerate(lengths):
        x[i, :, n:] = 0
    return SeriesFile(x, lengths, np.array([0, 2, 1, 0]), ("2", "10", "abc"), "toy")


def test_npz_round_trip_and_sniffing(tmp_path):
    data = _series()
    write_series_npz(tmp_path / "s.npz", data)
    assert holds_series(tmp_path / "s.npz")
    back = read_series_npz(tmp_path / "s.npz")
    assert np.array_equal(back.x, data.x) and np.array_equal(back.lengths, data.lengths)
    assert np.array_equal(back.labels, data.labels) and back.class_names == data.class_names
    np.savez(tmp_path / "images.npz", x=np.zeros((2, 8, 8), np.uint8), y=np.array([0, 1]))
    assert not holds_series(tmp_path / "images.npz")


def test_npz_univariate_labels_in_numeric_order(tmp_path):
    np.savez(tmp_path / "u.npz", x=np.ones((3, 5)), y=np.array(["10", "9", "10"]))
    back = read_series_npz(tmp_path / "u.npz")
    assert back.x.shape == (3, 1, 5) and back.class_names == ("9", "10") and back.labels.tolist() == [1, 0, 1]


@pytest.mark.parametrize("arrays,message", [
    ({"y": np.array([0])}, "has no 'x' array"),
    ({"x": np.ones((2, 3), np.uint8), "y": np.array([0, 1])}, "x is uint8; series are float"),
    ({"x": np.ones((2, 3)), "y": np.array([0])}, r"y has shape \(1,\); expected one label per series \(2\)"),
    ({"x": np.ones((2, 3)), "y": np.array([0, 1]), "lengths": np.array([3, 4])}, r"lengths must be N = 2 integers in \[1, 3\]"),
    ({"x": np.array([[1.0, np.nan]]), "y": np.array([0])}, "series 0, channel 1: value 2 is not given"),
    ({"x": np.array([[1.0, np.inf]]), "y": np.array([0])}, "x holds infinite values"),
    ({"x": np.ones((2, 3)), "y": np.array([0, 3]), "class_names": np.array(["a", "b"])}, "label '3' is not among the class names"),
])
def test_bad_npz_files_are_named(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(AugmentlabError, match=message):
        read_series_npz(tmp_path / "bad.npz")


def test_csv_round_trip_keeps_shorter_rows(tmp_path):
    data = _series(channels=1)
    write_series_csv(tmp_path / "s.csv", data)
    back = read_series_csv(tmp_path / "s.csv")
    assert np.array_equal(back.x, data.x) and back.lengths.tolist() == [9, 5, 9, 7]
    assert [back.class_names[k] for k in back.labels] == [data.class_names[k] for k in data.labels]
    with pytest.raises(AugmentlabError, match="a CSV holds one channel per series; these have 2"):
        write_series_csv(tmp_path / "two.csv", _series(channels=2))


@pytest.mark.parametrize("text,message", [
    ("", "is empty"),
    ("t0,t1\n1,2\n", "no 'label' column in the header; its columns are t0, t1"),
    ("label,t0,t1\na,1,x\n", r"bad.csv:2, column 2: 'x' is not a number"),
    ("label,t0,t1\n,1,2\n", "bad.csv:2: the 'label' cell is empty"),
    ("label,t0\na,1,2\n", "bad.csv:2: 3 cells, but the header has 2 columns"),
    ("label,t0,t1,t2\na,1,,3\n", "bad.csv:2: value 2 is not given"),
    ("label,t0\n", "holds no series below its header"),
])
def test_bad_csv_files_are_named(tmp_path, text, message):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(AugmentlabError, match=message):
        read_series_csv(tmp_path / "bad.csv")


def test_csv_missing_values_interpolated_when_asked(tmp_path):
    (tmp_path / "m.csv").write_text("label,t0,t1,t2\na,1,,3\n")
    assert read_series_csv(tmp_path / "m.csv", missing="interpolate").x[0, 0].tolist() == [1.0, 2.0, 3.0]
