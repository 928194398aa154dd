import json

import numpy as np
import pytest
import yaml

from tests.conftest import run


def test_evaluate_writes_json_and_run_directory(tmp_path, capsys):
    out = tmp_path / "r.json"
    code, stdout, _ = run(["evaluate", "digits", "--policy", "affine(m=0.2)", "--per-class", "5", "--seeds", "2",
                           "--steps", "30", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "lift" in stdout
    r = json.loads(out.read_text())
    for arm in ("baseline", "augmented"):
        assert set(r[arm]["test_accuracy"]) >= {"mean", "std", "ci95"} and "mean" in r[arm]["train_accuracy"]
    assert set(r["lift"]) >= {"mean", "ci95"} and r["seconds"] > 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    config = json.loads((run_dir / "config.json").read_text())
    assert config["seeds"] == [0, 1] and config["augmentlab_version"] and config["policy"] == "affine(m=0.2)"
    assert json.loads((run_dir / "results.json").read_text())["lift"] == r["lift"]


@pytest.mark.slow
def test_config_file_sets_defaults_flags_win_and_the_run_keeps_the_resolved_config(tmp_path, capsys):
    config = tmp_path / "lab.yaml"
    config.write_text("policy: affine(m=0.2)\nper-class: 5\nseeds: 3\nsteps: 500\n")
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", "digits", "--config", str(config), "--seeds", "2", "--steps", "30", "--json", str(out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["protocol"]["per_class"] == 5 and r["protocol"]["seeds"] == 2 and r["protocol"]["steps"] == 30  # flags win
    (run_dir,) = (tmp_path / "runs").iterdir()
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["policy"] == "affine(m=0.2)" and resolved["seeds"] == 2 and resolved["threads"] == 2  # file, flag, default
    # the resolved config reruns the same run
    again = tmp_path / "again.json"
    code, _, err = run(["evaluate", "--config", str(run_dir / "config.yaml"), "--json", str(again), "--runs", str(tmp_path / "runs2")],
                       capsys)
    assert code == 0, err
    assert json.loads(again.read_text())["lift"] == r["lift"]


@pytest.mark.parametrize("text,needle", [
    ("per_clas: 5\n", "unknown option 'per_clas'"),
    ("- 5\n", "expected a mapping"),
    ("seeds: [1, 2]\n", "seeds"),
])
def test_config_file_errors_name_the_file_and_key(tmp_path, capsys, text, needle):
    config = tmp_path / "lab.yaml"
    config.write_text(text)
    code, _, err = run(["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--config", str(config),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("argv,needle", [
    (["evaluate", "no/such/path", "--policy", "hflip", "--per-class", "5"], "no such file"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "500"], "too large"),
    (["evaluate", "digits", "--policy", "", "--per-class", "5"], "empty"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--model", "vit"], "--model"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--seeds", "0"], "--seeds"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--threads", "0"], "--threads"),
])
def test_evaluate_bad_input(tmp_path, capsys, argv, needle):
    code, _, err = run(argv + ["--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_sweep_writes_points_best_overdone_and_plot(tmp_path, capsys):
    out, plot = tmp_path / "s.json", tmp_path / "s.png"
    code, stdout, _ = run(["sweep", "digits", "--policy", "affine", "--magnitudes", "0,0.2,1", "--per-class", "5",
                           "--seeds", "2", "--steps", "40", "--json", str(out), "--plot", str(plot),
                           "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "sweet spot" in stdout
    r = json.loads(out.read_text())
    assert [p["magnitude"] for p in r["points"]] == [0.0, 0.2, 1.0]
    for p in r["points"]:
        assert {"mean", "std"} <= set(p["val_accuracy"]) and {"mean", "std"} <= set(p["test_accuracy"]) and "mean" in p["train_accuracy"]
    best = max(r["points"], key=lambda p: p["val_accuracy"]["mean"])
    assert r["best_magnitude"] == best["magnitude"] and "overdone_from" in r
    # the one-standard-error choice: no larger than the best, said in the output
    assert r["chosen_magnitude"] <= r["best_magnitude"] and r["chosen_by"] and f"chosen m={r['chosen_magnitude']:g}" in stdout
    assert all(0 <= p["test_accuracy"]["ci95"][0] <= p["test_accuracy"]["ci95"][1] <= 1 for p in r["points"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "strength.png").exists() and (run_dir / "config.json").exists()
    assert run(["report", str(run_dir)], capsys)[0] == 0
    assert f"chosen magnitude {r['chosen_magnitude']:g}: " in (run_dir / "report.md").read_text()


@pytest.mark.parametrize("extra,needle", [
    (["--magnitudes", "0,abc"], "comma-separated"),
    (["--magnitudes", "0,2"], "out of range"),
    (["--policy", "trivial"], "no magnitude"),
    (["--policy", ""], "empty"),
    (["--plot", "x.jpg"], ".png"),
])
def test_sweep_bad_input(tmp_path, capsys, extra, needle):
    argv = ["sweep", "digits", "--policy", "affine", "--per-class", "5", "--runs", str(tmp_path / "runs")]
    code, _, err = run(argv + extra, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_evaluate_reports_on_a_given_test_file(tmp_path, capsys):
    import numpy as np

    from augmentlab.data import load_dataset

    ds = load_dataset("digits")
    # disjoint: the leakage check refuses a test file that repeats training images
    np.savez(tmp_path / "train.npz", images=ds.images_hwc()[:-300], labels=ds.labels.numpy()[:-300])
    np.savez(tmp_path / "test.npz", images=ds.images_hwc()[-300:], labels=ds.labels.numpy()[-300:])
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", str(tmp_path / "train.npz"), "--policy", "hflip", "--per-class", "5", "--seeds", "1", "--steps", "10",
                        "--test", str(tmp_path / "test.npz"), "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    accuracy = r["baseline"]["test_accuracy"]["mean"]
    assert r["test"].endswith("test.npz") and accuracy == r["baseline"]["runs"][0]["test_accuracy"]
    assert abs(accuracy * 300 - round(accuracy * 300)) < 1e-6  # scored on the 300 images of --test
    np.savez(tmp_path / "odd.npz", images=np.zeros((4, 5, 5), np.uint8), labels=np.zeros(4, np.int64))
    code, _, err = run(["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--test", str(tmp_path / "odd.npz"),
                        "--runs", str(tmp_path / "runs2")], capsys)
    assert code == 2 and "--test images" in err


def test_evaluate_adaptive_from_sweep_and_adversarial_report(tmp_path, capsys):
    sweep = tmp_path / "sweep.json"
    sweep.write_text(json.dumps({"best_magnitude": 0.2}))
    out = tmp_path / "a.json"
    code, stdout, _ = run(["evaluate", "digits", "--policy", "affine(m=0.7)+fgsm(m=0.2)", "--per-class", "5", "--seeds", "2",
                           "--steps", "30", "--adaptive", "--from-sweep", str(sweep), "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "adaptive" in stdout and "under fgsm(m=0.2)" in stdout
    r = json.loads(out.read_text())
    assert r["fixed_magnitude_from_sweep"]["magnitude"] == 0.2 and r["policy"] == "affine(m=0.2)+fgsm(m=0.2)"
    for arm in ("baseline", "augmented", "adaptive"):
        robust = [run["robust_test_accuracy"] for run in r[arm]["runs"]]
        assert r[arm]["robust_test_accuracy"]["mean"] == pytest.approx(sum(robust) / len(robust))
        assert all(run["attack"] == "fgsm(m=0.2)" for run in r[arm]["runs"])
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "adaptive.png").stat().st_size > 0


@pytest.mark.parametrize("extra,needle", [
    (["--adaptive", "--adaptive-signal", "vibes"], "signal"),
    (["--from-sweep", "missing.json"], "--from-sweep"),
    (["--adaptive", "--adaptive-target", "3"], "target"),
])
def test_evaluate_adaptive_bad_input(tmp_path, capsys, extra, needle):
    code, _, err = run(["evaluate", "digits", "--policy", "affine", "--per-class", "5", "--runs", str(tmp_path / "r")] + extra, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def _leaky_test_set(tmp_path):
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.images * 16).clip(0, 255).astype("uint8"), d.target
    np.savez(tmp_path / "train.npz", images=x[:1500], labels=y[:1500])
    np.savez(tmp_path / "test.npz", images=np.concatenate([x[1500:], x[[3, 10, 700]]]), labels=np.concatenate([y[1500:], y[[3, 10, 700]]]))
    return tmp_path / "train.npz", tmp_path / "test.npz"


@pytest.mark.parametrize("command", [["evaluate", "--policy", "rotate(m=0.1)"], ["sweep", "--policy", "rotate", "--magnitudes", "0,0.1"],
                                     ["search", "--budget", "1"]])
def test_a_test_set_with_copied_training_images_is_refused(tmp_path, capsys, command):
    train, test = _leaky_test_set(tmp_path)
    before = sorted(tmp_path.iterdir())
    code, _, err = run([command[0], str(train), *command[1:], "--test", str(test), "--per-class", "5", "--seeds", "1", "--steps", "5",
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "shares 3 of its 300 images" in err and "test item 297 = data item 3" in err and "--allow-overlap" in err
    assert len(err.strip().splitlines()) == 1 and sorted(tmp_path.iterdir()) == before


def test_allow_overlap_runs_and_records_it(tmp_path, capsys):
    train, test = _leaky_test_set(tmp_path)
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", str(train), "--policy", "rotate(m=0.1)", "--test", str(test), "--per-class", "5", "--seeds", "1",
                        "--steps", "5", "--allow-overlap", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "shares 3 of its 300 images" in err
    assert json.loads(out.read_text())["overlap"] == {"count": 3, "test_items": 300, "allowed": True,
                                                      "examples": ["test item 297 = data item 3", "test item 298 = data item 10",
                                                                   "test item 299 = data item 700"]}
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "config.json").read_text())["overlap"]["allowed"] is True


def test_seeds_auto_stops_and_records_why(tmp_path, capsys):
    out = tmp_path / "r.json"
    code, stdout, _ = run(["evaluate", "digits", "--policy", "affine(m=0.2)", "--per-class", "5", "--seeds", "auto",
                           "--target-halfwidth", "2", "--max-seeds", "5", "--steps", "20", "--json", str(out),
                           "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "seeds auto:" in stdout
    r = json.loads(out.read_text())
    rule = r["seeds_rule"]
    assert 3 <= rule["seeds"] <= 5 and rule["stopped_because"] and rule["target_halfwidth"] == 0.02
    assert r["protocol"]["seeds"] == rule["seeds"] == len(r["augmented"]["runs"]) == len(r["baseline"]["runs"])
    assert [look["seeds"] for look in rule["looks"]] == list(range(3, rule["seeds"] + 1))
    (run_dir,) = (tmp_path / "runs").iterdir()
    config = json.loads((run_dir / "config.json").read_text())
    assert config["seeds_rule"]["stopped_because"] == rule["stopped_because"] and config["seeds"] == list(range(rule["seeds"]))


def test_evaluate_says_how_many_seeds_would_settle_the_lift(tmp_path, capsys):
    out = tmp_path / "r.json"
    code, stdout, _ = run(["evaluate", "digits", "--policy", "affine(m=0.2)", "--per-class", "5", "--seeds", "2", "--steps", "10",
                           "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    needed = json.loads(out.read_text())["lift"]["seeds_needed"]
    assert code == 0 and needed["target_halfwidth"] == 0.01 and needed["seeds"] >= 2 and "seeds needed for a lift CI of ±1 points" in stdout


@pytest.mark.parametrize("argv,needle", [(["--seeds", "many"], "--seeds 'many' is not a number of seeds or auto"),
                                         (["--seeds", "auto", "--max-seeds", "1"], "--max-seeds"),
                                         (["--target-halfwidth", "0"], "--target-halfwidth")])
def test_bad_seed_options_are_refused(tmp_path, capsys, argv, needle):
    code, _, err = run(["evaluate", "digits", "--policy", "hflip", *argv, "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and needle in err and not (tmp_path / "runs").exists()
