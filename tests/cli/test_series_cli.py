"""The commands on series: the lab on a folder with NAME_TRAIN.ts and NAME_TEST.ts (the
data's own split), augment and replay byte for byte in every series format, the preview,
and bad input answered with one line, exit 2 and nothing written."""

import json

import numpy as np
import pytest

from tests.conftest import run

FAST = ["--seeds", "2", "--steps", "3", "--threads", "1"]


def _case(rng, label, length, channels=1):
    t = np.linspace(0, 1, length)
    base = np.sin(2 * np.pi * (2 if label == "up" else 5) * t)
    values = [base + 0.1 * rng.standard_normal(length) for _ in range(channels)]
    return ":".join(",".join(f"{v:.4f}" for v in channel) for channel in values) + f":{label}"


def _ts(path, cases, header=None, channels=1, equal=True):
    head = header or ["@problemName Waves", "@timeStamps false", "@missing false",
                      f"@univariate {'true' if channels == 1 else 'false'}", f"@dimensions {channels}",
                      f"@equalLength {'true' if equal else 'false'}", "@classLabel true up down"]
    path.write_text("\n".join(head + ["@data", *cases]) + "\n")
    return path


def _pair(root, channels=1, test_channels=None, lengths=(40, 40)):
    rng = np.random.default_rng(0)
    root.mkdir()
    for part, n, length in (("TRAIN", 12, lengths[0]), ("TEST", 10, lengths[1])):
        c = channels if part == "TRAIN" or test_channels is None else test_channels
        cases = [_case(rng, "up" if i % 2 else "down", length, c) for i in range(n)]
        _ts(root / f"Waves_{part}.ts", cases, channels=c)
    return root


def test_evaluate_trains_on_the_training_file_and_reports_on_the_test_file(tmp_path, capsys):
    data, out = _pair(tmp_path / "Waves"), tmp_path / "r.json"
    code, stdout, err = run(["evaluate", str(data), "--policy", "window_warp(m=0.3)", *FAST, "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["test"].endswith("Waves_TEST.ts") and r["metric"] == "accuracy" and r["lift"]["n"] == 2
    assert r["protocol"]["per_class"] is None and r["baseline"]["runs"][0]["model"] == "fcn"
    assert "choosing_run" in r["baseline"]["runs"][0]  # validation came from a model trained on the choosing part
    (run_dir,) = (tmp_path / "runs").iterdir()
    code, _, err = run(["report", str(run_dir)], capsys)
    assert code == 0, err
    assert (run_dir / "report.html").is_file()
    code, _, err = run(["evaluate", str(data), "--policy", "jitter", "--test", str(data / "Waves_TEST.ts"), *FAST,
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "has its own test set" in err and "Traceback" not in err


def test_sweep_and_search_choose_on_validation_and_report_the_test_file(tmp_path, capsys):
    data = _pair(tmp_path / "Waves")
    out = tmp_path / "s.json"
    code, _, err = run(["sweep", str(data), "--policy", "window_slice", "--magnitudes", "0,0.5", *FAST, "--json", str(out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert [p["magnitude"] for p in r["points"]] == [0.0, 0.5] and r["best_magnitude"] in (0.0, 0.5)
    out = tmp_path / "search.json"
    code, _, err = run(["search", str(data), "--budget", "2", "--seeds", "1", "--steps", "3", "--threads", "1",
                        "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert set(r["baselines"]) == {"none", "randaugment", "trivialaugment"} and r["train_run_equivalents"] > 0
    assert r["test"].endswith("Waves_TEST.ts")


@pytest.mark.parametrize("suffix", [".ts", ".npz", ".csv"])
def test_augment_and_replay_byte_for_byte_keeping_lengths(tmp_path, capsys, suffix):
    rng = np.random.default_rng(1)
    source = _ts(tmp_path / "ragged.ts", [_case(rng, "up", 30), _case(rng, "down", 18), _case(rng, "up", 25)], equal=False)
    args = ["augment", str(source), "--policy", "time_warp(m=0.5)+jitter(m=0.3)", "--copies", "2", "--seed", "4"]
    for name in ("a", "b"):
        code, _, err = run([*args, "--out", str(tmp_path / f"{name}{suffix}")], capsys)
        assert code == 0, err
    a = (tmp_path / f"a{suffix}").read_bytes()
    assert a == (tmp_path / f"b{suffix}").read_bytes()
    code, _, err = run(["replay", str(tmp_path / f"a{suffix}.manifest.json"), "--out", str(tmp_path / f"c{suffix}")], capsys)
    assert code == 0, err
    assert (tmp_path / f"c{suffix}").read_bytes() == a
    from augmentlab.data import load_dataset
    from augmentlab.ops.kernels.series import series_lengths

    written = load_dataset(tmp_path / f"a{suffix}")
    assert series_lengths(written.data).tolist() == [30, 18, 25] * 3


def test_preview_is_a_png(tmp_path, capsys):
    data, out = _pair(tmp_path / "Waves"), tmp_path / "p.png"
    code, _, err = run(["preview", str(data), "--policy", "magnitude_warp(m=0.5)", "--rows", "2", "--draws", "2",
                        "--out", str(out)], capsys)
    assert code == 0, err
    from PIL import Image

    with Image.open(out) as im:
        assert im.size[0] > 0 and im.size[1] > 0


def _bad_header(tmp):
    return _ts(tmp / "bad.ts", ["1,2,3:up"], header=["@problemName X", "@classLabel maybe up down"]), "@classLabel must be true or false; got 'maybe'"


def _short(tmp):
    head = ["@problemName X", "@univariate true", "@seriesLength 5", "@classLabel true up down"]
    return _ts(tmp / "short.ts", ["1,2,3,4,5:up", "1,2,3:down"], header=head), "3 values per channel, but @seriesLength is 5"


def _unknown_label(tmp):
    return _ts(tmp / "label.ts", ["1,2,3:up", "1,2,3:sideways"]), "label 'sideways' is not in @classLabel"


def _nan(tmp):
    return _ts(tmp / "nan.ts", ["1,?,3:up", "1,2,3:down"]), "value 2 is not given ('?' or NaN); pass --missing='interpolate'"


def _channels(tmp):
    return _pair(tmp / "Pair", channels=2, test_channels=3), "test series have 3 channels but the data's have 2"


@pytest.mark.parametrize("make", [_bad_header, _short, _unknown_label, _nan, _channels])
def test_bad_series_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, make):
    source, message = make(tmp_path)
    out, json_out = tmp_path / "out.ts", tmp_path / "r.json"
    code, _, err = run(["augment", str(source), "--policy", "jitter", "--out", str(out)], capsys)
    if make is not _channels:  # a pair's train file alone is good input to augment
        assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() or make is _channels
    code, _, err = run(["evaluate", str(source), "--policy", "jitter", "--per-class", "1", *FAST, "--json", str(json_out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not json_out.exists() and not (tmp_path / "runs").exists()


def test_missing_values_are_used_when_the_user_says_how(tmp_path, capsys):
    source, _ = _nan(tmp_path)
    for how in ("interpolate", "keep"):
        out = tmp_path / f"{how}.ts"
        code, _, err = run(["augment", str(source), "--policy", "scaling", "--missing", how, "--out", str(out)], capsys)
        assert code == 0, err
    assert "?" not in (tmp_path / "interpolate.ts").read_text().split("@data")[1]
    assert "?" in (tmp_path / "keep.ts").read_text().split("@data")[1]


def test_a_search_on_the_datas_own_split_counts_both_trainings_of_every_run(tmp_path, capsys):
    data, out = _pair(tmp_path / "Waves"), tmp_path / "search.json"
    code, _, err = run(["search", str(data), "--budget", "1", "--seeds", "1", "--steps", "3", "--threads", "1",
                        "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["compute"]["baseline_steps"] == 3 * 1 * 3 * 2  # none, RandAugment, TrivialAugment; each trains twice


def test_a_training_file_alone_takes_the_low_data_protocol(tmp_path, capsys):
    data, out = _pair(tmp_path / "Waves"), tmp_path / "r.json"
    code, _, err = run(["evaluate", str(data / "Waves_TRAIN.ts"), "--policy", "scaling", "--per-class", "2", *FAST,
                        "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["test"] is None and r["protocol"]["per_class"] == 2 and "choosing_run" not in r["baseline"]["runs"][0]
    code, _, err = run(["evaluate", str(data / "Waves_TRAIN.ts"), "--policy", "scaling", *FAST, "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "--per-class: give the number of training series per class" in err
