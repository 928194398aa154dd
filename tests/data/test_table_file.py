"""Tables in CSV and Parquet: kinds inferred or declared, missing values kept and counted,
written back with the same columns, order and types, and bad files named in one line."""

import numpy as np
import pytest

from augmentlab.data.table_file import parse_column_types, read_table, write_table_csv, write_table_parquet
from augmentlab.errors import AugmentlabError
from tests.conftest import shared_data


def _csv(path, text):
    path.write_text(text)
    return path


def test_the_mortgage_table_is_typed_counted_and_written_back_byte_for_byte(tmp_path):
    source = shared_data("tabular") / "hdma.csv"
    t = read_table(source, "deny")
    kinds = {c.name: c.kind for c in t.columns}
    assert kinds["dir"] == kinds["ccs"] == "numeric" and kinds["pbcr"] == kinds["black"] == "boolean"
    assert kinds["comdominiom"] == "boolean"  # 0/1
    assert t.class_names == ("no", "yes") and t.missing == {"pbcr": 1, "self": 1}
    assert abs(t.labels.mean() - 285 / 2381) < 1e-9 and t.order[-1] == "deny"
    write_table_csv(tmp_path / "h.csv", t)
    assert (tmp_path / "h.csv").read_bytes() == source.read_bytes()


def test_parquet_keeps_values_kinds_and_the_files_own_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"age": pa.array([31, 45, None, 22], pa.int32()), "ratio": [0.5, None, 1.25, 2.0],
                      "smoker": [True, False, None, True], "city": ["Oslo", "Lima", "Oslo", None], "y": ["a", "b", "a", "b"]})
    pq.write_table(table, tmp_path / "t.parquet")
    t = read_table(tmp_path / "t.parquet", "y")
    assert [(c.name, c.kind) for c in t.columns] == [("age", "numeric"), ("ratio", "numeric"), ("smoker", "boolean"), ("city", "categorical")]
    assert t.missing == {"age": 1, "ratio": 1, "smoker": 1, "city": 1}
    write_table_parquet(tmp_path / "again.parquet", t)
    again = pq.read_table(tmp_path / "again.parquet")
    assert again.schema == table.schema and again.to_pylist() == table.to_pylist()


def test_declared_kinds_override_inference(tmp_path):
    path = _csv(tmp_path / "t.csv", "grade,flag,y\n1,0,a\n3,1,b\n2,1,a\n")
    t = read_table(path, "y", column_types=parse_column_types("grade=categorical,flag=numeric"))
    grade, flag = t.columns
    assert grade.kind == "categorical" and grade.categories == ("1", "2", "3") and flag.kind == "numeric"
    assert t.codes[:, 0].tolist() == [0, 2, 1] and t.numeric[:, 0].tolist() == [0.0, 1.0, 1.0]


def test_a_test_file_is_read_against_the_training_classes(tmp_path):
    path = _csv(tmp_path / "t.csv", "x,y\n1,b\n2,b\n")
    assert read_table(path, "y", class_names=("a", "b")).labels.tolist() == [1, 1]
    with pytest.raises(AugmentlabError, match="target value 'b' is not a class of the training data"):
        read_table(path, "y", class_names=("a", "c"))


@pytest.mark.parametrize("text,args,message", [
    ("x,y\n1,a\n2,b\n", {"target": "deny"}, "no target column 'deny'; its columns are x, y"),
    ("x,y\n1,a\n2,a\n", {"target": "y"}, "target 'y' has one class ('a'); telling classes apart needs two"),
    ("x,y\n1,a\n2,\n", {"target": "y"}, "row 3 has no 'y' value"),
    ("x,y\n1,a\nabc,b\n", {"target": "y"}, "column 'x' holds numbers ('1') and text ('abc'); declare its kind"),
    ("x,y\n1,a\nabc,b\n", {"target": "y", "column_types": {"x": "numeric"}}, "column 'x' is declared numeric but holds 'abc'"),
    ("x,y\nred,a\nblue,b\n", {"target": "y", "column_types": {"x": "boolean"}}, "declared boolean but holds blue, red"),
    ("x,y\n1,a\n2,b,3\n", {"target": "y"}, ":3: 3 cells, but the header has 2 columns"),
    ("x,y\n", {"target": "y"}, "holds no rows below its header"),
    ("x,y\n1,a\n2,b\n", {"target": "y", "column_types": {"z": "numeric"}}, "column_types names 'z', which is not a feature column"),
])
def test_bad_tables_are_named_in_one_line(tmp_path, text, args, message):
    path = _csv(tmp_path / "bad.csv", text)
    with pytest.raises(AugmentlabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(path, **args)


def test_a_truncated_parquet_file_is_refused(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": np.arange(100.0), "y": ["a", "b"] * 50}), tmp_path / "t.parquet")
    data = (tmp_path / "t.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(AugmentlabError, match="cut.parquet: not a readable Parquet file"):
        read_table(tmp_path / "cut.parquet", "y")


@pytest.mark.parametrize("text", ["x=float", "x", "=numeric", "x=numeric,y"])
def test_column_types_are_checked(text):
    with pytest.raises(AugmentlabError, match="expected name=kind pairs"):
        parse_column_types(text)
