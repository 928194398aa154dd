"""--out and every other output: nothing the user did not make is ever deleted or changed."""

import json
import os

import pytest

from tests.hostile.harness import assert_refused, cli, snapshot


def test_an_existing_folder_is_never_replaced(tmp_path, imgs):
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "precious.txt").write_text("draft")
    before = snapshot(tmp_path)
    assert_refused(cli("augment", imgs, "--policy", "hflip", "--out", "victim", cwd=tmp_path), "exists", before, tmp_path)
    # not even when asked to: it carries no manifest, so it is not ours
    r = cli("augment", imgs, "--policy", "hflip", "--out", "victim", "--overwrite", cwd=tmp_path)
    assert_refused(r, "not an augmentlab output", before, tmp_path)


@pytest.mark.parametrize("out,needle", [("imgs", "is the input"), ("imgs/aug", "is inside the input"),
                                        ("imgs/cat/x.npz", "is inside the input"), (".", "contains the input")])
def test_out_at_inside_or_around_the_input_is_refused(tmp_path, imgs, out, needle):
    before = snapshot(tmp_path)
    assert_refused(cli("augment", "imgs", "--policy", "hflip", "--out", out, cwd=tmp_path), needle, before, tmp_path)


def test_out_dot_dot_from_a_working_folder_is_refused(tmp_path, imgs):
    (tmp_path / "work").mkdir()
    (tmp_path / "sibling").mkdir()
    (tmp_path / "sibling" / "keep.txt").write_text("x")
    before = snapshot(tmp_path)
    r = cli("augment", "../imgs", "--policy", "hflip", "--out", "..", cwd=tmp_path / "work")
    assert_refused(r, "contains the input", before, tmp_path)


def test_out_equal_to_an_npz_input_or_through_a_link_is_refused(tmp_path, npz):
    os.symlink(npz, tmp_path / "alias.npz")
    before = snapshot(tmp_path)
    assert_refused(cli("augment", npz, "--policy", "hflip", "--out", npz, cwd=tmp_path), "is the input", before, tmp_path)
    assert_refused(cli("augment", npz, "--policy", "hflip", "--out", "alias.npz", cwd=tmp_path), "is the input", before, tmp_path)


def test_replay_onto_its_own_input_is_refused(tmp_path, npz):
    assert cli("augment", npz, "--policy", "rotate(m=0.2)", "--out", "a.npz", cwd=tmp_path).code == 0
    before = snapshot(tmp_path)
    r = cli("replay", "a.npz.manifest.json", "--out", npz, cwd=tmp_path)
    assert_refused(r, "is the input", before, tmp_path)


@pytest.mark.slow
def test_our_own_output_is_replaced_only_with_overwrite(tmp_path, npz):
    assert cli("augment", npz, "--policy", "rotate(m=0.2)", "--out", "a.npz", cwd=tmp_path).code == 0
    before = snapshot(tmp_path)
    assert_refused(cli("augment", npz, "--policy", "hflip", "--out", "a.npz", cwd=tmp_path), "--overwrite", before, tmp_path)
    r = cli("augment", npz, "--policy", "hflip", "--out", "a.npz", "--overwrite", "--seed", "3", cwd=tmp_path)
    assert r.code == 0, r.err
    assert json.loads((tmp_path / "a.npz.manifest.json").read_text())["seed"] == 3
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_an_image_folder_output_of_ours_is_replaced_whole(tmp_path, imgs):
    assert cli("augment", imgs, "--policy", "hflip", "--out", "aug", cwd=tmp_path).code == 0
    r = cli("augment", imgs, "--policy", "vflip", "--copies", "2", "--out", "aug", "--overwrite", cwd=tmp_path)
    assert r.code == 0, r.err
    assert sum(1 for _ in (tmp_path / "aug").rglob("*.png")) == 18  # 6 originals + 2 copies, nothing left of the first


@pytest.mark.parametrize("setup,out,needle", [
    (lambda t: (t / "folder.npz").mkdir(), "folder.npz", "existing folder"),
    (lambda t: (t / "afile").write_text("x"), "afile/o.npz", "is a file, not a folder"),
    (lambda t: (t / "o.npz.manifest.json").mkdir(), "o.npz", "in the way"),
    (lambda t: None, "", "contains the input"),  # typer reads an empty path as "."
])
def test_odd_output_paths_are_refused_before_any_work(tmp_path, npz, setup, out, needle):
    setup(tmp_path)
    before = snapshot(tmp_path)
    assert_refused(cli("augment", npz, "--policy", "hflip", "--out", out, cwd=tmp_path), needle, before, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path, npz):
    (tmp_path / "ro").mkdir(mode=0o555)
    before = snapshot(tmp_path)
    assert_refused(cli("augment", npz, "--policy", "hflip", "--out", "ro/o.npz", cwd=tmp_path), "permission", before, tmp_path)


@pytest.mark.parametrize("argv,needle", [
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--json", "afile/r.json"], "is a file, not a folder"),
    (["evaluate", "{npz}", "--policy", "hflip", "--per-class", "2", "--json", "{npz}"], "is the input"),
    (["evaluate", "{imgs}", "--policy", "hflip", "--per-class", "2", "--runs", "{imgs}/runs"], "inside the input"),
    (["sweep", "digits", "--policy", "rotate", "--per-class", "5", "--plot", "g.png"], "g.png exists"),
    (["preview", "digits", "--policy", "hflip", "--out", "afolder.png"], "existing folder"),
    (["preview", "digits", "--policy", "hflip", "--out", "g.png"], "exists"),
    (["synth", "fit", "digits", "--model", "cvae", "--out", "afolder.png"], "existing folder"),
    (["synth", "fit", "digits", "--model", "cvae", "--out", "g.png"], "exists"),
    (["search", "digits", "--per-class", "5", "--storage", "sqlite:///g.png"], "not a SQLite database"),
    (["demo", "--out", "afolder.png"], "exists"),
    (["demo", "--out", "afolder.png", "--overwrite"], "not an augmentlab output"),
])
def test_every_command_checks_its_outputs_first(tmp_path, imgs, npz, argv, needle):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "g.png").mkdir() if "afolder" in " ".join(argv) else (tmp_path / "g.png").write_bytes(b"mine")
    (tmp_path / "afolder.png").mkdir(exist_ok=True)
    (tmp_path / "afolder.png" / "mine.txt").write_text("x")
    before = snapshot(tmp_path)
    r = cli(*[a.format(npz=npz, imgs=imgs) for a in argv], cwd=tmp_path)
    assert_refused(r, needle, before, tmp_path)


def test_outputs_follow_the_umask(tmp_path, imgs):
    r = cli("augment", imgs, "--policy", "hflip", "--out", "aug", cwd=tmp_path, umask=0o002)
    assert r.code == 0, r.err
    assert (tmp_path / "aug").stat().st_mode & 0o777 == 0o775
    assert (tmp_path / "aug.manifest.json").stat().st_mode & 0o777 == 0o664


@pytest.mark.parametrize("argv,needle", [
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--json", "r", "--runs", "r"], "--json and --runs both name"),
    (["search", "digits", "--per-class", "5", "--json", "s.db", "--storage", "sqlite:///s.db"], "--json and --storage both name"),
])
def test_two_flags_naming_one_path_are_refused(tmp_path, argv, needle):
    before = snapshot(tmp_path)
    assert_refused(cli(*argv, cwd=tmp_path), needle, before, tmp_path)
