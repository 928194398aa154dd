import os

import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_outputs, atomic_path


def test_an_existing_target_is_refused_unless_replace(tmp_path):
    (tmp_path / "a.txt").write_text("mine")
    with pytest.raises(AugmentlabError, match="exists"):
        with atomic_path(tmp_path / "a.txt") as tmp:
            tmp.write_text("new")
    assert (tmp_path / "a.txt").read_text() == "mine" and os.listdir(tmp_path) == ["a.txt"]
    with atomic_path(tmp_path / "a.txt", replace=True) as tmp:
        tmp.write_text("new")
    assert (tmp_path / "a.txt").read_text() == "new"


def test_all_or_none_when_a_later_rename_fails(tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x.png").write_text("first")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if str(dst).endswith("manifest.json"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError):
        with atomic_outputs([(tmp_path / "old", True), (tmp_path / "old.manifest.json", False)], replace=True) as (d, m):
            (d / "y.png").write_text("second")
            m.write_text("{}")
    monkeypatch.setattr(os, "replace", real)
    assert sorted(os.listdir(tmp_path)) == ["old"] and os.listdir(tmp_path / "old") == ["x.png"]


def test_new_parent_folders_are_removed_again_on_failure(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "a" / "b" / "c.npz"):
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_outputs_get_the_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_path(tmp_path / "f.txt") as tmp:
            tmp.write_text("x")
        with atomic_path(tmp_path / "d", directory=True) as tmp:
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o750
