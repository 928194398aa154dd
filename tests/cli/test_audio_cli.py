"""The commands on an audio folder: evaluate, sweep and search with held-out groups,
augment and replay byte for byte, preview, and bad input answered with one line."""

import json
from pathlib import Path

import pytest

from tests.audio_data import flat_folder
from tests.conftest import run

PATTERN = ["--label-from", "{label}_{group}_{_}"]


@pytest.fixture
def clips(tmp_path) -> Path:
    return flat_folder(tmp_path / "clips")


def _files(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_evaluate_holds_out_a_speaker(clips, tmp_path, capsys):
    out = tmp_path / "r.json"
    code, stdout, err = run(["evaluate", str(clips), *PATTERN, "--test-groups", "cat", "--policy", "gain+specaugment-lb",
                             "--per-class", "2", "--seeds", "2", "--steps", "20", "--threads", "1", "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["protocol"]["test_groups"] == ["cat"] and r["baseline"]["runs"][0]["model"] == "logmel_cnn"
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "config.json").read_text())["read"]["label_from"] == "{label}_{group}_{_}"


def test_augment_is_seeded_and_replays_byte_for_byte(clips, tmp_path, capsys):
    args = ["augment", str(clips), *PATTERN, "--policy", "rand-n2-m0.5", "--copies", "2", "--seed", "3"]
    for name in ("a", "b"):
        code, _, err = run([*args, "--out", str(tmp_path / name)], capsys)
        assert code == 0, err
    a = _files(tmp_path / "a")
    assert len(a) == 36 * 3 and a == _files(tmp_path / "b")
    code, _, err = run(["replay", str(tmp_path / "a.manifest.json"), "--out", str(tmp_path / "c")], capsys)
    assert code == 0, err
    assert _files(tmp_path / "c") == a


def test_preview_writes_spectrograms_and_clips(clips, tmp_path, capsys):
    out = tmp_path / "p.png"
    code, _, err = run(["preview", str(clips), *PATTERN, "--policy", "pitch_shift(m=1)", "--rows", "2", "--draws", "2",
                        "--out", str(out)], capsys)
    assert code == 0, err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list((tmp_path / "p-wav").glob("*.wav"))) == 2 * 3


@pytest.mark.parametrize("extra,message", [
    (["--test-groups", "zed"], "--test-groups: no group 'zed' in the data"),
    (["--label-from", "{label}-{_}"], "does not match the label pattern"),
    (["--label-from", "{lab}_{_}"], "--label-from '{lab}_{_}': unknown field"),
    (["--policy", "rotate"], "'rotate' works on image data, but this data is audio"),
    (["--policy", "specaugment-lb+gain"], "ops on the samples come first"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(clips, tmp_path, capsys, extra, message):
    before = _files(clips)
    args = ["evaluate", str(clips), *PATTERN, "--policy", "gain", "--per-class", "2", "--steps", "5",
            "--runs", str(tmp_path / "runs"), *extra]
    code, _, err = run(args, capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() and _files(clips) == before


def test_a_wav_that_is_not_a_wav_is_named(clips, tmp_path, capsys):
    (clips / "0_ann_9.wav").write_bytes(b"RIFF....not really")
    code, _, err = run(["augment", str(clips), *PATTERN, "--policy", "gain", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "0_ann_9.wav: not a readable WAV file" in err and not (tmp_path / "o").exists()
