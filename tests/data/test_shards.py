import io
import tarfile
import zipfile

import numpy as np
import pytest

from augmentlab.data.shards import open_source, shard_files_kind
from augmentlab.errors import AugmentlabError
from tests.shard_data import image_folder, npz_shards, parquet_shards, png, tar_shards


def written(source, unit, root, copies, batch_size=7):
    """Write ``unit`` with each copy equal to the original plus its copy number."""
    with source.writer(unit, root, copies) as w:
        for chunk in source.chunks(unit, batch_size):
            w.write(chunk, [[(im + j).astype(np.uint8) for im in chunk.images] for j in range(1, copies + 1)])
    return w


def test_npz_chunks_hold_the_shard_in_order(tmp_path):
    root = npz_shards(tmp_path / "s")
    source = open_source(root)
    assert source.kind == "npz-shards" and not source.single and shard_files_kind(root) == "npz-shards"
    units = source.units(7)
    assert [(u.output, u.samples) for u in units] == [("part-000.npz", 20), ("part-001.npz", 20), ("part-002.npz", 20)]
    chunks = list(source.chunks(units[1], 7))
    assert [c.first for c in chunks] == [0, 7, 14] and [len(c) for c in chunks] == [7, 7, 6]
    with np.load(root / "part-001.npz") as z:
        assert np.array_equal(np.stack([im for c in chunks for im in c.images]), z["images"])
        assert np.array_equal(np.concatenate([c.labels for c in chunks]), z["labels"])


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_writer_interleaves_copies_and_keeps_layout_and_compression(tmp_path, compressed):
    rng = np.random.default_rng(0)
    (tmp_path / "in").mkdir()
    save = np.savez_compressed if compressed else np.savez
    save(tmp_path / "in" / "a.npz", images=rng.integers(0, 200, (9, 5, 6), dtype=np.uint8), labels=np.arange(9) % 2,
         class_names=np.array(["no", "yes"]))
    source = open_source(tmp_path / "in")
    unit = source.units(4)[0]
    (tmp_path / "out").mkdir()
    written(source, unit, tmp_path / "out", copies=2)
    with np.load(tmp_path / "in" / "a.npz") as z, np.load(tmp_path / "out" / "a.npz") as o:
        assert o["images"].shape == (27, 5, 6)  # N×H×W in, N×H×W out
        assert np.array_equal(o["images"][0::3], z["images"]) and np.array_equal(o["images"][1::3], z["images"] + 1)
        assert np.array_equal(o["labels"], np.repeat(z["labels"], 3)) and list(o["class_names"]) == ["no", "yes"]
    with zipfile.ZipFile(tmp_path / "out" / "a.npz") as z:
        kinds = {i.compress_type for i in z.infolist()}
        assert kinds == {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED}
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    first = (tmp_path / "out" / "a.npz").read_bytes()
    written(source, unit, tmp_path / "out", copies=2)
    assert (tmp_path / "out" / "a.npz").read_bytes() == first


@pytest.mark.parametrize("arrays,needle", [
    ({"images": np.zeros((3, 4, 4), np.uint8)}, "expected arrays 'images' and 'labels'"),
    ({"images": np.zeros((3, 4, 4), np.float32), "labels": np.zeros(3, int)}, "must be uint8"),
    ({"images": np.zeros((3, 4, 4, 4), np.uint8), "labels": np.zeros(3, int)}, "C = 1 or 3"),
    ({"images": np.zeros((3, 4, 4), np.uint8), "labels": np.zeros(2, int)}, "3 images but 2 labels"),
    ({"images": np.zeros((3, 4, 4), np.uint8), "labels": -np.ones(3, int)}, "non-negative"),
    ({"images": np.zeros((3, 4, 4), np.uint8), "labels": np.array([0, 1, 2]), "class_names": np.array(["a", "b"])}, "lists 2 classes"),
])
def test_bad_npz_shards_are_refused_by_name(tmp_path, arrays, needle):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(AugmentlabError, match=needle) as e:
        open_source(tmp_path)
    assert "bad.npz" in str(e.value)


def test_npz_shards_must_name_classes_alike_and_truncation_is_caught(tmp_path):
    np.savez(tmp_path / "a.npz", images=np.zeros((2, 3, 3), np.uint8), labels=[0, 1], class_names=np.array(["x", "y"]))
    np.savez(tmp_path / "b.npz", images=np.zeros((2, 3, 3), np.uint8), labels=[0, 1], class_names=np.array(["x", "z"]))
    with pytest.raises(AugmentlabError, match="differ from a.npz"):
        open_source(tmp_path)
    (tmp_path / "b.npz").write_bytes((tmp_path / "b.npz").read_bytes()[:200])
    with pytest.raises(AugmentlabError, match="b.npz: not a readable .npz"):
        open_source(tmp_path)
    (tmp_path / "b.npz").write_bytes(b"not a zip")
    with pytest.raises(AugmentlabError, match="b.npz: not a .npz file"):
        open_source(tmp_path)


def test_tar_samples_keep_their_size_channels_and_members(tmp_path):
    source = open_source(tar_shards(tmp_path / "t"))
    assert source.kind == "tar-shards" and [u.samples for u in source.units(5)] == [12, 12]
    chunks = list(source.chunks(source.units(5)[0], 5))
    assert [len(c) for c in chunks] == [5, 5, 2]
    images = [im for c in chunks for im in c.images]
    assert images[0].shape == (10, 9, 1) and images[1].shape == (9, 8, 3) and images[2].shape == (8, 8, 3)
    assert list(np.concatenate([c.labels for c in chunks])) == [i % 3 for i in range(12)]
    out = tmp_path / "o"
    out.mkdir()
    written(source, source.units(5)[0], out, copies=1, batch_size=5)
    with tarfile.open(out / "shard-0.tar") as tar:
        names = tar.getnames()
        assert names[:6] == ["s0_0000.png", "s0_0000.cls", "s0_0000.json", "s0_0000_aug1.png", "s0_0000_aug1.cls", "s0_0000_aug1.json"]
        info = tar.getmember("s0_0000_aug1.png")
        assert (info.mtime, info.uid, info.uname) == (0, 0, "")
        assert tar.extractfile("s0_0000_aug1.json").read() == b'{"id": 0}'


def _tar(path, members):
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("members,needle", [
    ([("a.png", png(np.zeros((2, 2), np.uint8)))], r"no class \(a\.cls\)"),
    ([("a.png", png(np.zeros((2, 2), np.uint8))), ("a.jpg", b"x"), ("a.cls", b"0")], "has 2 images"),
    ([("a.png", png(np.zeros((2, 2), np.uint8))), ("a.cls", b"0"), ("b.png", b"x"), ("b.cls", b"1"), ("a.json", b"{}")],
     "appears twice"),
])
def test_bad_tar_samples_are_refused_before_any_pixel(tmp_path, members, needle):
    _tar(tmp_path / "x.tar", members)
    with pytest.raises(AugmentlabError, match=needle):
        open_source(tmp_path / "x.tar")


def test_tar_class_must_be_an_index_and_images_must_decode(tmp_path):
    _tar(tmp_path / "x.tar", [("a.png", png(np.zeros((2, 2), np.uint8))), ("a.cls", b"cat")])
    source = open_source(tmp_path / "x.tar")
    assert source.single
    with pytest.raises(AugmentlabError, match="a.cls must hold a class index"):
        list(source.chunks(source.units(4)[0], 4))
    _tar(tmp_path / "x.tar", [("a.png", b"not an image"), ("a.cls", b"0")])
    with pytest.raises(AugmentlabError, match="a.png: not a readable"):
        list(open_source(tmp_path / "x.tar").chunks(source.units(4)[0], 4))


def test_parquet_rows_keep_schema_and_other_columns(tmp_path):
    import pyarrow.parquet as pq

    source = open_source(parquet_shards(tmp_path / "p"))
    unit = source.units(4)[0]
    chunks = list(source.chunks(unit, 4))
    assert sum(len(c) for c in chunks) == 15 and chunks[0].images[0].shape == (9, 11, 3)
    out = tmp_path / "o"
    out.mkdir()
    written(source, unit, out, copies=2, batch_size=4)
    table = pq.read_table(out / "part-0.parquet")
    assert table.schema == pq.read_table(tmp_path / "p" / "part-0.parquet").schema
    rows = table.to_pylist()
    assert len(rows) == 45 and [r["note"] for r in rows[:4]] == ["n0", "n0", "n0", "n1"]
    assert rows[0]["image"]["path"] == "0.jpg" and rows[1]["image"]["path"] is None
    assert rows[1]["image"]["bytes"][:4] == b"\x89PNG"


def test_parquet_needs_an_image_column_and_integer_labels(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"pixels": [b"x"], "label": [0]}), tmp_path / "a.parquet")
    with pytest.raises(AugmentlabError, match="no image column"):
        open_source(tmp_path / "a.parquet")
    pq.write_table(pa.table({"image": [b"x"], "label": ["cat"]}), tmp_path / "a.parquet")
    with pytest.raises(AugmentlabError, match="expected class indices"):
        open_source(tmp_path / "a.parquet")
    parquet_shards(tmp_path / "named", shards=1, label="fine")
    with pytest.raises(AugmentlabError, match="no label column"):
        open_source(tmp_path / "named")
    assert open_source(tmp_path / "named", "fine").columns == ("image", "fine")


def test_folder_copies_sit_beside_originals_and_names_may_not_collide(tmp_path):
    root = image_folder(tmp_path / "f", per_class=3)
    source = open_source(root)
    assert source.kind == "folder" and sum(u.samples for u in source.units(2)) == 6
    out = tmp_path / "o"
    out.mkdir()
    for unit in source.units(2):
        written(source, unit, out, copies=1, batch_size=2)
    assert sorted(p.name for p in (out / "cat").iterdir()) == ["0.png", "0_aug1.png", "1.png", "1_aug1.png", "2.png", "2_aug1.png"]
    assert (out / "dog" / "1.png").read_bytes() == (root / "dog" / "1.png").read_bytes()
    source.check_copies(3)
    (root / "cat" / "0_aug2.png").write_bytes((root / "cat" / "0.png").read_bytes())
    with pytest.raises(AugmentlabError, match="0.png: its copy 0_aug2.png would take the name"):
        open_source(root).check_copies(2)


def test_a_folder_mixing_shard_formats_or_an_unknown_file_is_refused(tmp_path):
    npz_shards(tmp_path, shards=1)
    (tmp_path / "x.tar").write_bytes(b"")
    with pytest.raises(AugmentlabError, match="several formats"):
        open_source(tmp_path)
    (tmp_path / "y.csv").write_text("a\n")
    with pytest.raises(AugmentlabError, match="cannot be streamed"):
        open_source(tmp_path / "y.csv")
