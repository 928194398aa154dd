"""The UCR/UEA .ts format: the archive's files read with their shapes, labels and unequal
lengths; written files read back the same; each kind of bad file named in one line."""

import numpy as np
import pytest

from augmentlab.data.series import SeriesFile
from augmentlab.data.ts import read_ts, write_ts
from augmentlab.errors import AugmentlabError

HEADER = "@problemName Toy\n@timeStamps false\n@missing false\n@univariate true\n@equalLength true\n@seriesLength 3\n@classLabel true a b\n@data\n"


@pytest.mark.parametrize("name,shape,classes", [
    ("GunPoint", (50, 1, 150), ("1", "2")),
    ("ArrowHead", (36, 1, 251), ("0", "1", "2")),  # no @seriesLength line
    ("BasicMotions", (40, 6, 100), ("Standing", "Running", "Walking", "Badminton")),
])
def test_reads_the_archives_files(ucr_dir, name, shape, classes):
    data = read_ts(ucr_dir / name / f"{name}_TRAIN.ts")
    assert data.x.shape == shape and data.x.dtype == np.float32 and data.class_names == classes and data.name == name
    assert (data.lengths == shape[2]).all() and np.isfinite(data.x).all()
    assert sorted(set(data.labels.tolist())) == list(range(len(classes)))


def test_unequal_lengths_are_padded_with_their_lengths_kept(ucr_dir, tmp_path):
    data = read_ts(ucr_dir / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts")
    assert data.x.shape == (270, 12, 26) and data.lengths.min() == 7 and data.lengths.max() == 26
    short = int(np.argmin(data.lengths))
    assert not data.x[short, :, data.lengths[short]:].any() and data.x[short, :, : data.lengths[short]].any()
    write_ts(tmp_path / "jv.ts", data)
    again = read_ts(tmp_path / "jv.ts")
    assert np.array_equal(again.x, data.x) and np.array_equal(again.lengths, data.lengths)
    assert np.array_equal(again.labels, data.labels) and again.class_names == data.class_names


def test_written_multichannel_files_read_back_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    data = SeriesFile(rng.normal(size=(5, 3, 40)).astype(np.float32), np.full(5, 40), np.array([0, 1, 2, 1, 0]), ("x", "y", "z"), "Rand")
    write_ts(tmp_path / "r.ts", data)
    again = read_ts(tmp_path / "r.ts")
    assert np.array_equal(again.x, data.x) and again.class_names == ("x", "y", "z") and again.name == "Rand"
    with pytest.raises(AugmentlabError, match="cannot hold labels that are empty or contain spaces"):
        write_ts(tmp_path / "bad.ts", SeriesFile(data.x, data.lengths, data.labels, ("a b", "y", "z"), "Rand"))


@pytest.mark.parametrize("text,message", [
    ("@problemName Toy\n1,2,3:a\n", r"toy.ts:2: expected a header line \(@...\) or @data"),
    ("@problemName Toy\n@classLabel true a b\n", "no @data line"),
    ("@problemName Toy\n@data\n1,2,3:a\n", "the header has no @classLabel line"),
    ("@problemName Toy\n@dimensions two\n@classLabel true a\n@data\n", "@dimensions must be a whole number"),
    ("@problemName Toy\n@univariate maybe\n@classLabel true a\n@data\n", "@univariate must be true or false"),
    (HEADER + "1,2:a\n", "toy.ts:9: 2 values per channel, but @seriesLength is 3"),
    (HEADER + "1,2,3:c\n", r"toy.ts:9: label 'c' is not in @classLabel \(a b\)"),
    (HEADER + "1,2,3:4,5,6:a\n", "2 channels, but the header declares 1"),
    (HEADER + "1,x,3:a\n", "channel 1: 'x' is not a number"),
    (HEADER + "1,?,3:a\n", "toy.ts:9, channel 1: value 2 is not given"),
    (HEADER, "holds no cases after @data"),
    ("@problemName Toy\n@timeStamps true\n@classLabel true a\n@data\n", "@timeStamps true"),
])
def test_bad_files_are_named_in_one_line(tmp_path, text, message):
    path = tmp_path / "toy.ts"
    path.write_text(text)
    with pytest.raises(AugmentlabError, match=message):
        read_ts(path)


def test_missing_values_are_kept_or_interpolated_when_asked(tmp_path):
    path = tmp_path / "toy.ts"
    path.write_text(HEADER + "?,2,4:a\n1,?,5:b\n")
    kept = read_ts(path, missing="keep")
    assert np.isnan(kept.x[0, 0, 0]) and np.isnan(kept.x[1, 0, 1])
    filled = read_ts(path, missing="interpolate")
    assert filled.x[:, 0].tolist() == [[2.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    with pytest.raises(AugmentlabError, match="missing: 'drop' is unknown"):
        read_ts(path, missing="drop")
