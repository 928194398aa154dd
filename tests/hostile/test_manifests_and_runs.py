"""Hand-edited manifests, corrupt run directories, one seed, and SIGTERM."""

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.hostile.conftest import write_npz
from tests.hostile.harness import assert_refused, cli, snapshot


@pytest.fixture(scope="module")
def augmented(tmp_path_factory):
    """One augment for the module (a CLI start costs seconds); its input stays where the
    manifest names it."""
    root = tmp_path_factory.mktemp("made")
    write_npz(root / "in.npz")
    r = cli("augment", "in.npz", "--policy", "rotate(m=0.2)", "--copies", "2", "--out", "a.npz", cwd=root)
    assert r.code == 0, r.err
    return root


@pytest.fixture
def made(tmp_path, augmented):
    """The augmented set and its manifest, a fresh copy in each test's folder to edit."""
    for name in ("a.npz", "a.npz.manifest.json"):
        shutil.copyfile(augmented / name, tmp_path / name)
    return json.loads((tmp_path / "a.npz.manifest.json").read_text())


def degrees(m):
    return m["params"][0]["degrees"]["data"]


@pytest.mark.parametrize("edit,needle", [
    (lambda m: m.update(batch_size=0), "batch_size=0 is out of range"),
    (lambda m: m.update(copies="two"), "copies='two' is not an integer"),
    (lambda m: m.update(seed=-5), "seed=-5 is out of range"),
    (lambda m: m.update(format="text"), "format 'text' does not fit image data"),
    (lambda m: m.update(format="pickle"), "format 'pickle' is unknown"),
    (lambda m: m.update(policy={"op": "rotate", "m": 7}), "m=7 is out of range"),
    (lambda m: degrees(m).__setitem__(0, float("nan")), "NaN or infinity"),
    (lambda m: degrees(m).__setitem__(0, 1e300), "outside the range [-18, 18]"),
    (lambda m: m["params"][0]["degrees"].update(dtype="float16"), "unsupported dtype"),
    (lambda m: m["params"][0].update(apply={"dtype": "torch.bool", "shape": [2], "data": [True, True]}), "shape [6]"),
    (lambda m: m.update(params=m["params"][:1]), "batch records"),
])
def test_edited_manifests_are_checked_field_by_field(tmp_path, made, edit, needle):
    edit(made)
    (tmp_path / "edited.json").write_text(json.dumps(made))
    before = snapshot(tmp_path)
    assert_refused(cli("replay", "edited.json", "--out", "r.npz", cwd=tmp_path), needle, before, tmp_path)


@pytest.mark.parametrize("text,needle", [("3", "expected a JSON object"), ('"a string"', "expected a JSON object"),
                                         ("[1, 2]", "expected a JSON object"), ("{", "not valid JSON")])
def test_a_manifest_that_is_not_an_object_is_refused(tmp_path, text, needle):
    (tmp_path / "m.json").write_text(text)
    before = snapshot(tmp_path)
    assert_refused(cli("replay", "m.json", "--out", "r.npz", cwd=tmp_path), needle, before, tmp_path)


def test_replay_still_rebuilds_byte_for_byte(tmp_path, made):
    assert cli("replay", "a.npz.manifest.json", "--out", "r.npz", cwd=tmp_path).code == 0
    assert (tmp_path / "r.npz").read_bytes() == (tmp_path / "a.npz").read_bytes()


@pytest.mark.parametrize("config,results", [("[]", "{}"), ('{"command": "evaluate"}', "{}"),
                                            ('{"command": "sweep", "data": "digits"}', '{"points": 3}')])
def test_report_on_a_corrupt_run_directory_is_one_line(tmp_path, config, results):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(config)
    (run / "results.json").write_text(results)
    before = snapshot(tmp_path)
    assert_refused(cli("report", run, cwd=tmp_path), "run", before, tmp_path)


@pytest.mark.slow
def test_one_seed_says_it_has_no_spread(tmp_path):
    r = cli("evaluate", "digits", "--policy", "rotate(m=0.1)", "--per-class", "5", "--seeds", "1", "--steps", "5",
            "--json", "r.json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "one seed: no spread" in r.out
    lift = json.loads((tmp_path / "r.json").read_text())["lift"]
    assert lift["std"] is None and lift["ci95"] is None


@pytest.mark.slow
def test_sigterm_while_writing_leaves_nothing(tmp_path, imgs):
    # 12,006 PNGs take seconds to write: the signal comes while the temporary folder fills
    cmd = [sys.executable, "-c", "from augmentlab.cli import main; main()", "augment", str(imgs), "--policy",
           "rand-n2-m0.5", "--copies", "2000", "--out", "big"]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    before = snapshot(tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".big.tmp-*/*/*.png")):
        time.sleep(0.05)  # wait until it is writing its temporary output
    assert p.poll() is None, "finished before the signal: make the job longer"
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert snapshot(tmp_path) == before
