import json

from tests.conftest import run


def test_demo_runs_end_to_end_and_writes_reports(tmp_path, capsys):
    code, stdout, _ = run(["demo", "--out", str(tmp_path / "demo"), "--steps", "15"], capsys)
    assert code == 0 and "sweet spot" in stdout and "lift" in stdout
    for name in ("compare", "sweep"):
        d = tmp_path / "demo" / name
        md = (d / "report.md").read_text()
        assert "| " in md and (d / "report.html").read_text().startswith("<!doctype html>")
        pngs = sorted(p.name for p in d.glob("*.png"))
        assert "learning.png" in pngs and any(p.startswith("preview") for p in pngs)
        for p in pngs:
            assert f"]({p})" in md
    assert (tmp_path / "demo" / "sweep" / "strength.png").exists()
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert set(summary["compare"]) == {"baseline", "affine", "randaugment", "trivialaugment"}


def test_report_rerenders_an_evaluate_run(tmp_path, capsys):
    runs = tmp_path / "runs"
    assert run(["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--seeds", "2", "--steps", "10",
                "--runs", str(runs)], capsys)[0] == 0
    (run_dir,) = runs.iterdir()
    code, stdout, _ = run(["report", str(run_dir)], capsys)
    assert code == 0 and "report.html" in stdout
    md = (run_dir / "report.md").read_text()
    assert "lift (paired)" in md and "baseline" in md


def test_report_bad_input(tmp_path, capsys):
    code, _, err = run(["report", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such run directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(["report", str(tmp_path / "empty")], capsys)
    assert code == 2 and "not a run directory" in err and len(err.strip().splitlines()) == 1
