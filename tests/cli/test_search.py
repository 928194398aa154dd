import json
import os
import signal
import subprocess
import sys
import time

import optuna
import pytest

from augmentlab.policy import parse_policy
from tests.conftest import run

SMALL = ["search", "digits", "--per-class", "5", "--seeds", "2", "--steps", "45", "--threads", "1"]


def _finished(url: str) -> list:
    try:
        (summary,) = optuna.study.get_all_study_summaries(url)
        study = optuna.load_study(study_name=summary.study_name, storage=url)
    except Exception:  # the database or the study does not exist yet
        return []
    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return [t for t in study.trials if t.state in done]


def test_search_writes_the_promised_fields_plots_and_a_valid_policy(tmp_path, capsys):
    out = tmp_path / "s.json"
    code, stdout, _ = run(SMALL + ["--budget", "6", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0 and "chosen on validation" in stdout
    r = json.loads(out.read_text())
    parse_policy(r["best_policy"])  # a spec --policy accepts
    assert r["best_val_accuracy"] == r["val_accuracy"]["mean"] and set(r["test_accuracy"]) >= {"mean", "std", "ci95"}
    assert {name: b["policy"] for name, b in r["baselines"].items()} == {"none": "none", "randaugment": "rand-n2-m0.9",
                                                                           "trivialaugment": "trivial"}
    assert r["trials"] == 6 and r["trials_finished"] >= 1 and r["search_seconds"] > 0
    # trials cost their steps; the winner's retraining costs a full run per seed it raced,
    # none if it is "none"
    trial_runs = sum(t["steps"] for t in r["trial_history"]) / 45
    raced = r["search_best"]["retrained_seeds"]
    assert 1 <= raced <= 2 and (r["search_best"].get("dropped_after") is None) == (raced == 2)
    retrain = 0 if r["search_best"]["policy"] == "none" else raced
    assert r["train_run_equivalents"] == pytest.approx(trial_runs + retrain)
    # the reported policy is the simplest that validation cannot tell from the best among the
    # baselines and the search's best, when it finished the race
    vals = {k: v["val_accuracy"]["mean"] for k, v in r["baselines"].items()}
    if "dropped_after" not in r["search_best"]:
        vals["search"] = r["search_best"]["val_accuracy"]["mean"]
    assert r["chosen_from"] in vals and r["best_val_accuracy"] == vals[r["chosen_from"]]
    # the search's policy against each free baseline, Holm-adjusted, and a verdict
    versus = r["search_versus_baselines"]
    assert set(versus) == {"none", "randaugment", "trivialaugment"} and all(v["seeds"] == raced for v in versus.values())
    if raced >= 2:
        assert all(v["ci_holm"][0] <= v["difference"] <= v["ci_holm"][1] and 0 <= v["p_holm"] <= 1 for v in versus.values())
        assert "Holm" in r["verdict"]
    else:  # dropped after one seed: no interval, and the verdict says why
        assert all(v["ci_holm"] is None for v in versus.values()) and "one seed" in r["verdict"]
    assert r["verdict"] in " ".join(stdout.split())  # rich wraps long lines
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "search_history.png").stat().st_size > 0 and r["plots"]["history"] == "search_history.png"
    assert json.loads((run_dir / "results.json").read_text())["best_policy"] == r["best_policy"]
    assert run(["report", str(run_dir)], capsys)[0] == 0
    report = (run_dir / "report.md").read_text()
    assert r["verdict"] in report and "search - trivialaugment" in report and "search_history.png" in report


def test_search_is_reproducible_for_a_seed(tmp_path, capsys):
    results = []
    for name in ("a", "b"):
        assert run(SMALL + ["--budget", "4", "--json", str(tmp_path / f"{name}.json"), "--runs", str(tmp_path / "runs")], capsys)[0] == 0
        r = json.loads((tmp_path / f"{name}.json").read_text())
        results.append(([(t["policy"], t["val_accuracy"], t["rungs"]) for t in r["trial_history"]], r["test_accuracy"]))
    assert results[0] == results[1]


@pytest.mark.slow
def test_killed_search_resumes_from_its_storage(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    argv = ["search", "digits", "--per-class", "5", "--seeds", "1", "--steps", "450", "--threads", "1", "--budget", "6",
            "--storage", url, "--runs", str(tmp_path / "runs")]
    proc = subprocess.Popen([sys.executable, "-m", "augmentlab.cli", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    deadline = time.monotonic() + 120
    while len(_finished(url)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {t.number: t.value for t in _finished(url)}
    assert 2 <= len(before) < 6, "the search must be killed mid-run for this test to mean anything"
    out = tmp_path / "r.json"
    assert run(argv + ["--json", str(out)], capsys)[0] == 0
    after = {t.number: t.value for t in _finished(url)}
    assert all(after[n] == v for n, v in before.items())  # stored trials are kept, not rerun
    assert len(after) == 6 and json.loads(out.read_text())["trials"] == 6


@pytest.mark.parametrize("extra,needle", [
    (["--budget", "0"], "--budget"),
    (["--backend", "spark"], "--backend"),
    (["--storage", "postgresql://ann:hunter2@127.0.0.1:1/lab"], "cannot open"),
    (["--storage", "sqlite:////no/such/dir/s.db"], "cannot open"),
    (["--space", "ops()"], "empty"),
    (["--space", "rand()"], "empty"),
    (["--per-class", "100"], "held out for test"),
])
def test_search_bad_input(tmp_path, capsys, extra, needle):
    code, stdout, err = run(SMALL + ["--budget", "3", "--runs", str(tmp_path / "runs")] + extra, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert "hunter2" not in stdout + err
    assert not (tmp_path / "runs").exists()


def test_a_stored_study_with_other_settings_is_refused(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    base = SMALL + ["--budget", "2", "--storage", url, "--study-name", "mine", "--runs", str(tmp_path / "runs")]
    assert run(base, capsys)[0] == 0
    code, _, err = run(base + ["--space", "ops"], capsys)
    assert code == 2 and "already holds study 'mine'" in err
