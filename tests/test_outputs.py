import os

import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.outputs import check_output, check_parent, input_paths


def test_resolution_sees_through_dot_dot_and_links(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "work").mkdir()
    os.symlink(tmp_path / "data", tmp_path / "work" / "link")
    inputs = input_paths(tmp_path / "data")
    for out in (tmp_path / "work" / ".." / "data", tmp_path / "work" / "link" / "x.npz", tmp_path / "work" / ".."):
        with pytest.raises(AugmentlabError, match="the input"):
            check_output(out, "--out", inputs=inputs)


def test_existing_outputs_need_overwrite_and_folders_need_to_be_ours(tmp_path):
    (tmp_path / "f.json").write_text("{}")
    (tmp_path / "d").mkdir()
    with pytest.raises(AugmentlabError, match="--overwrite"):
        check_output(tmp_path / "f.json", "--json")
    assert check_output(tmp_path / "f.json", "--json", overwrite=True).replace
    with pytest.raises(AugmentlabError, match="refusing to replace"):
        check_output(tmp_path / "d", "--out", folder=True, overwrite=True)
    assert check_output(tmp_path / "d", "--out", folder=True, overwrite=True, ours=lambda p: True).replace
    assert not check_output(tmp_path / "new" / "deeper.npz", "--out").replace


def test_a_parent_for_runs_may_exist_but_not_inside_an_input(tmp_path):
    (tmp_path / "data").mkdir()
    inputs = input_paths(tmp_path / "data")
    assert check_parent(tmp_path / "runs", "--runs", inputs=inputs) == tmp_path / "runs"
    with pytest.raises(AugmentlabError, match="inside the input"):
        check_parent(tmp_path / "data" / "runs", "--runs", inputs=inputs)
    assert check_parent(tmp_path, "--runs", inputs=inputs) == tmp_path  # around the input: only a new folder is made
