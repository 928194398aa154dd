"""The commands on tables: the lab with a chosen metric and a class-ratio split, a search
whose baselines include oversampling, augment and replay byte for byte in CSV and
Parquet, the preview, and bad input answered with one line, exit 2 and nothing written."""

import json

import pytest

from tests.conftest import run
from tests.table_data import write_loans

LAB = ["--target", "deny", "--train-size", "100", "--seeds", "2", "--threads", "1"]


def test_evaluate_reports_the_chosen_metric_in_the_image_layout(tmp_path, capsys):
    data, out = write_loans(tmp_path / "loans.csv", rows=300), tmp_path / "r.json"
    code, stdout, err = run(["evaluate", str(data), "--policy", "smotenc(m=0.5)", *LAB, "--metric", "roc_auc", "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["metric"] == "roc_auc" and r["protocol"]["split"] == "ratio" and r["protocol"]["train_size"] == 100
    assert set(r) >= {"baseline", "augmented", "lift"} and 0.5 < r["baseline"]["test_accuracy"]["mean"] <= 1
    assert r["augmented"]["runs"][0]["table_augmentation"]["oversampled"] > 0
    assert "roc_auc" in stdout


def test_sweep_and_search_run_on_a_table(tmp_path, capsys):
    data = write_loans(tmp_path / "loans.csv", rows=300)
    code, _, err = run(["sweep", str(data), "--policy", "gaussian_noise", "--magnitudes", "0,0.5", *LAB, "--metric", "accuracy",
                        "--json", str(tmp_path / "s.json"), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    swept = json.loads((tmp_path / "s.json").read_text())
    assert swept["metric"] == "accuracy" and swept["points"][0]["runs"][0]["test_accuracy"] == \
        swept["points"][0]["runs"][0]["test_metrics"]["accuracy"]
    code, _, err = run(["search", str(data), "--budget", "2", *LAB, "--json", str(tmp_path / "q.json"),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads((tmp_path / "q.json").read_text())
    assert set(r["baselines"]) == {"none", "smote"} and r["baselines"]["smote"]["policy"] == "smotenc(m=1)"
    best = max(r["baselines"].values(), key=lambda b: b["val_accuracy"]["mean"])
    assert r["val_accuracy"]["mean"] >= best["val_accuracy"]["mean"]  # never below a baseline on validation
    assert r["compute"]["search_run_equivalents"] == 2.0  # a table trial is a whole fit


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_augment_and_replay_byte_for_byte(tmp_path, capsys, suffix):
    data = write_loans(tmp_path / "loans.csv")
    if suffix == ".parquet":
        code, _, err = run(["augment", str(data), "--target", "deny", "--policy", "none", "--copies", "0",
                            "--out", str(tmp_path / "loans.parquet")], capsys)
        assert code == 0, err
        data = tmp_path / "loans.parquet"
    out, again = tmp_path / f"aug{suffix}", tmp_path / f"again{suffix}"
    code, _, err = run(["augment", str(data), "--target", "deny", "--policy", "swap_noise(m=0.5)+feature_mask(m=0.2)",
                        "--copies", "2", "--out", str(out)], capsys)
    assert code == 0, err
    code, _, err = run(["replay", str(out) + ".manifest.json", "--out", str(again)], capsys)
    assert code == 0, err
    assert out.read_bytes() == again.read_bytes()


def test_preview_shows_rows_and_their_draws(tmp_path, capsys):
    data, out = write_loans(tmp_path / "loans.csv"), tmp_path / "p.json"
    code, stdout, err = run(["preview", str(data), "--target", "deny", "--policy", "swap_noise(m=1)", "--rows", "2",
                             "--out", str(out)], capsys)
    assert code == 0, err
    shown = json.loads(out.read_text())["rows"]
    assert len(shown) == 2 and len(shown[0]["augmented"]) == 3 and set(shown[0]["original"]) == {"income", "ratio", "region", "married"}


def _no_target(tmp):
    path = write_loans(tmp / "t.csv")
    path.write_text(path.read_text().replace(",deny\n", ",denied\n", 1))
    return path, [], "no --target column 'deny'"


def _one_class(tmp):
    path = tmp / "one.csv"
    path.write_text("income,deny\n1,no\n2,no\n3,no\n")
    return path, [], "target 'deny' has one class ('no')"


def _mixed(tmp):
    path = tmp / "mixed.csv"
    path.write_text("income,zone,deny\n1,3,no\n2,b7,yes\n3,4,no\n4,5,yes\n")
    return path, [], "column 'zone' holds numbers ('3') and text ('b7'); declare its kind"


def _truncated(tmp):
    path = tmp / "t.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"income": [1.0, 2.0, 3.0] * 50, "deny": ["no", "yes", "no"] * 50}), path)
    path.write_bytes(path.read_bytes()[:-40])
    return path, [], "not a readable Parquet file"


def _empty_column(tmp):
    path = tmp / "empty.csv"
    path.write_text("income,notes,deny\n" + "".join(f"{i},,{'yes' if i % 3 else 'no'}\n" for i in range(30)))
    return path, [], "column 'notes' holds no values; drop it"


def _no_features(tmp):
    path = tmp / "bare.csv"
    path.write_text("deny\n" + "".join(f"{'yes' if i % 3 else 'no'}\n" for i in range(30)))
    return path, [], "has no columns besides the --target 'deny'"


def _measurement(tmp):
    path = tmp / "amounts.csv"
    path.write_text("income,deny\n" + "".join(f"{i},{i * 1.37:.2f}\n" for i in range(40)))
    return path, [], "--target 'deny' has 40 values, 40 of them in a single row; the table lab classifies"


def _unseen(tmp):
    test = write_loans(tmp / "test.csv", rows=40, seed=1, extra_category="west")
    return write_loans(tmp / "train.csv", rows=300), ["--test", str(test)], "category 'west' is not in the training data"


@pytest.mark.parametrize("make", [_no_target, _one_class, _mixed, _truncated, _empty_column, _no_features, _measurement, _unseen])
def test_bad_table_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, make):
    source, extra, message = make(tmp_path)
    out, json_out = tmp_path / "out.csv", tmp_path / "r.json"
    if not extra:
        code, _, err = run(["augment", str(source), "--target", "deny", "--policy", "gaussian_noise", "--out", str(out)], capsys)
        assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert not out.exists()
    code, _, err = run(["evaluate", str(source), "--policy", "gaussian_noise", *LAB, *extra, "--json", str(json_out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not json_out.exists() and not (tmp_path / "runs").exists()


def test_an_unseen_category_is_read_as_missing_when_the_user_says_so(tmp_path, capsys):
    source, extra, _ = _unseen(tmp_path)
    code, _, err = run(["evaluate", str(source), "--policy", "gaussian_noise", *LAB, *extra, "--unseen", "missing",
                        "--json", str(tmp_path / "r.json"), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err


def test_synth_fits_samples_and_evaluates_table_rows_and_the_lab_adds_them(tmp_path, capsys):
    data = write_loans(tmp_path / "loans.csv", rows=300)
    paths = []
    for seed in (0, 1):
        path = tmp_path / f"copula{seed}.safetensors"
        code, _, err = run(["synth", "fit", str(data), "--target", "deny", "--model", "copula", "--train-size", "100",
                            "--split-seed", str(seed), "--out", str(path)], capsys)
        assert code == 0, err
        paths.append(str(path))
    code, _, err = run(["synth", "sample", paths[0], "--n", "20", "--out", str(tmp_path / "rows.csv")], capsys)
    assert code == 0, err
    assert (tmp_path / "rows.csv").read_text().splitlines()[0] == "income,ratio,region,married,deny"
    code, stdout, err = run(["synth", "evaluate", paths[0], "--data", str(data), "--target", "deny", "--json", str(tmp_path / "q.json")],
                            capsys)
    assert code == 0, err
    q = json.loads((tmp_path / "q.json").read_text())
    assert q["rows"] == {"train": 100, "holdout": 200, "generated": 100} and 0 <= q["detection_auc"]["synthetic"] <= 1
    assert {"tstr", "trtr"} <= set(q["tstr"]) and "detection ROC AUC" in stdout
    code, _, err = run(["evaluate", str(data), "--policy", "none", *LAB, "--synthetic", ",".join(paths), "--json", str(tmp_path / "e.json"),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads((tmp_path / "e.json").read_text())
    assert r["synthetic"]["model"] == "copula" and r["synthetic"]["runs"][0]["synthetic_rows"] == 100
    assert r["lift"]["mean"] == 0.0  # no augmentation is the baseline itself
    code, _, err = run(["evaluate", str(data), "--policy", "none", *LAB, "--seeds", "3", "--synthetic", ",".join(paths),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "--train-size 100 --split-seed 2" in err


def test_augment_with_an_oversampler_writes_the_added_rows_and_replays_them(tmp_path, capsys):
    data = write_loans(tmp_path / "loans.csv", rows=200)
    out, again = tmp_path / "balanced.csv", tmp_path / "again.csv"
    code, stdout, err = run(["augment", str(data), "--target", "deny", "--policy", "smotenc", "--out", str(out)], capsys)
    assert code == 0, err
    assert "add rows and change none: no copies made" in err
    labels = [line.rsplit(",", 1)[1] for line in out.read_text().splitlines()[1:]]
    assert labels.count("yes") == labels.count("no") and len(labels) > 200
    code, _, err = run(["replay", str(out) + ".manifest.json", "--out", str(again)], capsys)
    assert code == 0, err
    assert out.read_bytes() == again.read_bytes()
    code, _, err = run(["augment", str(data), "--target", "deny", "--policy", "swap_noise+smotenc(m=0.5)", "--copies", "2",
                        "--out", str(tmp_path / "both.csv")], capsys)
    assert code == 0, err
    grown = len((tmp_path / "both.csv").read_text().splitlines()) - 1
    assert grown % 3 == 0 and grown // 3 > 200
