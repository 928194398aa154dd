import numpy as np
import pytest

from augmentlab.data import load_dataset, save_dataset
from augmentlab.errors import AugmentlabError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_header_layout_reads_sentences_and_integer_labels_in_numeric_order(tmp_path):
    f = write(tmp_path / "train.tsv", "sentence\tlabel\na fine film \t1\ndull\t0\nit 's \"great\"\t10\n")
    ds = load_dataset(f)
    assert ds.modality == "text" and ds.class_names == ("0", "1", "10")
    assert list(ds.data) == ["a fine film ", "dull", 'it \'s "great"'] and ds.labels.tolist() == [1, 0, 2]
    assert load_dataset(tmp_path).class_names == ds.class_names  # a folder means its train.tsv


def test_headerless_layout_finds_the_label_column_and_names(tmp_path):
    rows = "".join(f"story number {i} about things\t{['Sports', 'World'][i % 2]}\n" for i in range(6))
    ds = load_dataset(write(tmp_path / "news.tsv", rows))
    assert ds.class_names == ("Sports", "World") and ds.layout.header is None and ds.layout.label_column == 1
    flipped = load_dataset(write(tmp_path / "flipped.csv", "".join(f"{['A', 'B'][i % 2]},\"text, {i}\"\n" for i in range(4))))
    assert flipped.layout.label_column == 0 and list(flipped.data)[:2] == ["text, 0", "text, 1"]


@pytest.mark.parametrize("name,text", [("train.tsv", "sentence\tlabel\nfine\t1\ngood\t0\n"),
                                       ("news.tsv", "one story\tWorld\nanother\tSports\n"),
                                       ("q.csv", "text,label\n\"a, b\",x\nc,y\n")])
def test_writing_keeps_the_layout_and_round_trips(tmp_path, name, text):
    ds = load_dataset(write(tmp_path / name, text))
    out = tmp_path / "out" / name
    assert save_dataset(ds, out) == "text"
    assert out.read_text(encoding="utf-8") == text
    again = load_dataset(out)
    assert list(again.data) == list(ds.data) and again.labels.tolist() == ds.labels.tolist()


def test_a_test_file_is_read_against_the_training_classes(tmp_path):
    train = load_dataset(write(tmp_path / "train.tsv", "a\tWorld\nb\tSports\nc\tBusiness\n"))
    test = load_dataset(write(tmp_path / "test.tsv", "d\tSports\n"), like=train)
    assert test.class_names == train.class_names and test.labels.tolist() == [train.class_names.index("Sports")]
    with pytest.raises(AugmentlabError, match=r"test.tsv line 2: label 'Weather' is not in the class set"):
        load_dataset(write(tmp_path / "test.tsv", "d\tSports\ne\tWeather\n"), like=train)


@pytest.mark.parametrize("text,needle", [
    ("", "the file is empty"),
    ("sentence\tscore\nfine\t1\n", "no label column"),
    ("label\tscore\n1\t2\n", "no text column"),
    ("sentence\tlabel\n", "no examples"),
    ("sentence\tlabel\nfine\t1\nbad\n", "line 3: 1 columns; expected 2"),
    ("sentence\tlabel\nfine\t\n", "line 2: the label is empty"),
    ("a\tb\tc\n", "no header and 3 columns"),
])
def test_bad_tables_get_one_clear_error_naming_the_file(tmp_path, text, needle):
    f = write(tmp_path / "bad.tsv", text)
    with pytest.raises(AugmentlabError, match=needle) as e:
        load_dataset(f)
    assert "bad.tsv" in str(e.value) and "\n" not in str(e.value)


def test_subsets_of_text_keep_strings():
    import torch

    from augmentlab.data.dataset import Dataset

    data = np.empty(3, dtype=object)
    data[:] = ["x", "y", "z"]
    ds = Dataset(data, torch.tensor([0, 1, 0]), ("a", "b"), "text", "tsv")
    assert list(ds.subset(torch.tensor([2, 0])).data) == ["z", "x"]
