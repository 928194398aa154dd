import json

import numpy as np
import pytest

from tests.conftest import run
from tests.shard_data import image_folder, npz_shards, tar_shards


def test_a_folder_of_shards_streams_and_replays_byte_for_byte(tmp_path, capsys):
    shards = npz_shards(tmp_path / "shards")
    code, out, _ = run(["augment", str(shards), "--policy", "hflip+affine(m=0.3)", "--copies", "2", "--batch-size", "8",
                        "--out", str(tmp_path / "aug")], capsys)
    assert code == 0 and "180 images (60 originals + 2 copies)" in out and "npz-shards, 3 units" in out
    manifest = json.loads((tmp_path / "aug.manifest.json").read_text())
    assert manifest["format"] == "npz-shards" and manifest["batch_size"] == 8 and len(manifest["units"]) == 3
    assert manifest["params"] == [] and "draws" in manifest
    code, out, _ = run(["replay", str(tmp_path / "aug.manifest.json"), "--out", str(tmp_path / "again"), "--workers", "2"], capsys)
    assert code == 0 and "replayed 180 images" in out
    for name in ("part-000.npz", "part-001.npz", "part-002.npz"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "aug" / name).read_bytes()
    assert (tmp_path / "again.manifest.json").read_text() == (tmp_path / "aug.manifest.json").read_text()


def test_workers_stream_an_image_folder_and_a_single_tar(tmp_path, capsys):
    folder = image_folder(tmp_path / "f", per_class=3)
    assert run(["augment", str(folder), "--policy", "vflip", "--workers", "2", "--out", str(tmp_path / "fo")], capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "fo" / "dog").iterdir()) == ["0.png", "0_aug1.png", "1.png", "1_aug1.png", "2.png", "2_aug1.png"]
    tar = tar_shards(tmp_path / "t", shards=1) / "shard-0.tar"
    code, out, _ = run(["augment", str(tar), "--policy", "vflip", "--workers", "1", "--out", str(tmp_path / "o.tar")], capsys)
    assert code == 0 and (tmp_path / "o.tar").is_file() and (tmp_path / "o.tar.manifest.json").is_file()


def test_replay_refuses_a_changed_input_and_writes_nothing(tmp_path, capsys):
    shards = npz_shards(tmp_path / "shards", shards=2)
    assert run(["augment", str(shards), "--policy", "hflip", "--out", str(tmp_path / "aug")], capsys)[0] == 0
    rng = np.random.default_rng(5)
    np.savez(shards / "part-001.npz", images=rng.integers(0, 256, (20, 8, 8, 3), dtype=np.uint8), labels=np.zeros(20, int))
    code, _, err = run(["replay", str(tmp_path / "aug.manifest.json"), "--out", str(tmp_path / "again")], capsys)
    assert code == 2 and "part-001.npz: differs from the one the manifest was made from" in err
    assert not (tmp_path / "again").exists() and not (tmp_path / "again.manifest.json").exists()
    (shards / "part-001.npz").unlink()
    code, _, err = run(["replay", str(tmp_path / "aug.manifest.json"), "--out", str(tmp_path / "again")], capsys)
    assert code == 2 and "its shards differ from the ones the manifest lists" in err


@pytest.mark.parametrize("argv,needle", [
    (["digits", "--policy", "hflip", "--workers", "2", "--out", "{o}/x"], "built-in data is augmented in memory"),
    (["{s}", "--policy", "hflip", "--workers", "0", "--out", "{o}/x"], "--workers=0"),
    (["{s}", "--policy", "hflip", "--out", "{o}/x.npz"], "streamed into a folder"),
    (["{s}", "--policy", "hflip", "--backend", "dask", "--out", "{o}/x"], "--backend"),
    (["{s}", "--policy", "mixup", "--out", "{o}/x"], "mixup"),
    (["{s}", "--policy", "smote", "--out", "{o}/x"], "smote"),
    (["{s}", "--policy", "hflip", "--min-area", "4", "--out", "{o}/x"], "--min-area"),
    (["{s}/part-000.npz", "--policy", "hflip", "--workers", "1", "--out", "{o}/x.tar"], "written as a .npz file"),
])
def test_bad_streaming_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, needle):
    shards = npz_shards(tmp_path / "shards", shards=1)
    (tmp_path / "out").mkdir()
    code, _, err = run(["augment", *(a.format(s=shards, o=tmp_path / "out") for a in argv)], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert list((tmp_path / "out").iterdir()) == []


def test_an_edited_stream_manifest_is_refused_by_field(tmp_path, capsys):
    shards = npz_shards(tmp_path / "shards", shards=1)
    assert run(["augment", str(shards), "--policy", "hflip", "--out", str(tmp_path / "aug")], capsys)[0] == 0
    path = tmp_path / "aug.manifest.json"
    manifest = json.loads(path.read_text())
    manifest["units"][0]["stop"] = "20"
    path.write_text(json.dumps(manifest))
    code, _, err = run(["replay", str(path), "--out", str(tmp_path / "again")], capsys)
    assert code == 2 and "units[0].stop must be a int" in err
