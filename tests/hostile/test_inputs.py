"""Bad or odd data files: one clear line, or the right thing said out loud."""

import gzip
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from tests.hostile.conftest import write_image_folder, write_npz
from tests.hostile.harness import assert_refused, cli, snapshot


def refused(tmp_path, data, needle, *extra):
    (tmp_path / "out").mkdir(exist_ok=True)
    before = snapshot(tmp_path)
    r = cli("augment", data, "--policy", "hflip", "--out", "out/o.npz", *extra, cwd=tmp_path)
    assert_refused(r, needle, before, tmp_path)


def idx_pair(folder, images_bytes, labels_bytes, gz=False):
    folder.mkdir()
    suffix = ".gz" if gz else ""
    opener = gzip.open if gz else open
    with opener(folder / f"t-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(images_bytes)
    with opener(folder / f"t-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(labels_bytes)
    return folder


def idx_header(code, *dims):
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.mark.parametrize("labels,needle", [(np.array([0, 10**12]), "1,000,000,000,001 classes"),
                                           (np.array([0, 3_000_000]), "3,000,001 classes")])
def test_huge_label_values_are_refused_at_once(tmp_path, labels, needle):
    refused(tmp_path, write_npz(tmp_path / "big.npz", n=2, labels=labels), needle)


def test_an_idx_label_of_two_billion_is_refused(tmp_path):
    folder = idx_pair(tmp_path / "mnist", idx_header(0x08, 2, 2, 2) + bytes(8),
                      idx_header(0x0C, 2) + (0).to_bytes(4, "big") + (2_000_000_000).to_bytes(4, "big"))
    refused(tmp_path, folder, "2,000,000,001 classes")


def test_an_idx_header_whose_size_overflows_is_refused(tmp_path):
    folder = idx_pair(tmp_path / "mnist", idx_header(0x0E, 2**32 - 1, 2**32 - 1, 2**32 - 1), idx_header(0x08, 1) + bytes(1))
    refused(tmp_path, folder, "more than the")


def test_a_gzip_idx_bomb_is_refused_without_inflating_it(tmp_path):
    # a header for 2 images of 2x2, then 64 MiB of zeros: refused on reading 9 bytes past the header
    body = idx_header(0x08, 2, 2, 2) + bytes(64 * 2**20)
    folder = idx_pair(tmp_path / "mnist", body, idx_header(0x08, 2) + bytes(2), gz=True)
    refused(tmp_path, folder, "oversized")


@pytest.mark.parametrize("arrays,needle", [
    ({"class_names": np.array("a")}, "class_names must be a 1-D array"),
    ({"class_names": np.array(["only"])}, "class_names lists 1 classes but a label is 1"),
    ({"images": np.zeros((0, 8, 8), np.uint8), "labels": np.zeros(0, np.int64)}, "no images"),
    ({"images": np.zeros((2, 0, 0), np.uint8), "labels": np.arange(2)}, "0x0 pixels"),
    ({"images": np.zeros((2, 4, 4, 2), np.uint8), "labels": np.arange(2)}, "2 channels"),
    ({"images": np.zeros((2, 4, 4, 4), np.uint8), "labels": np.arange(2)}, "drop the alpha channel"),
])
def test_malformed_npz_arrays_are_named(tmp_path, arrays, needle):
    n = len(arrays.get("labels", np.arange(6)))
    refused(tmp_path, write_npz(tmp_path / "bad.npz", n=n, **arrays), needle)


def test_a_text_file_named_npz_is_not_called_pickled(tmp_path):
    (tmp_path / "notes.npz").write_text("hello")
    refused(tmp_path, tmp_path / "notes.npz", "not a zip archive")


def _png_header_only(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [10_000, 30_000])
def test_huge_pngs_get_the_pixel_limit_line(tmp_path, side):
    root = write_image_folder(tmp_path / "imgs")
    _png_header_only(root / "cat" / "huge.png", side, side)
    refused(tmp_path, root, "pixel limit")


def test_sixteen_bit_pngs_are_scaled_not_clipped(tmp_path):
    root = tmp_path / "imgs"
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
        ramp = np.tile(np.linspace(0, 65535, 16).astype(np.uint16), (16, 1))
        Image.fromarray(ramp).save(root / c / "0.png")
    r = cli("augment", root, "--policy", "hflip", "--copies", "0", "--out", "o.npz", cwd=tmp_path)
    assert r.code == 0, r.err
    with np.load(tmp_path / "o.npz") as z:
        row = z["images"][0, 0]
    assert row[0] == 0 and row[-1] == 255 and 100 < row[8] < 160  # a ramp, not 98% white


def test_transparent_pixels_are_refused_and_opaque_alpha_is_dropped(tmp_path):
    root = write_image_folder(tmp_path / "imgs")
    rgba = np.full((8, 8, 4), 200, np.uint8)
    rgba[..., 3] = 255
    Image.fromarray(rgba, "RGBA").save(root / "cat" / "opaque.png")  # alpha all 255: nothing lost
    r = cli("augment", root, "--policy", "hflip", "--out", "o.npz", cwd=tmp_path)
    assert r.code == 0 and "grey images read as RGB" in r.err, r.err
    rgba[0, 0, 3] = 0
    Image.fromarray(rgba, "RGBA").save(root / "dog" / "holes.png")
    refused(tmp_path, root, "transparent pixels")


def test_a_hidden_folder_of_images_is_not_skipped_silently(tmp_path):
    root = write_image_folder(tmp_path / "imgs")
    write_image_folder(root / ".hidden", classes=("x",))
    (root / ".hidden" / "x" / "0.png").rename(root / ".hidden" / "0.png")
    refused(tmp_path, root, ".hidden")


def test_mixed_sizes_are_said_and_can_be_refused(tmp_path):
    root = write_image_folder(tmp_path / "imgs")
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(root / "cat" / "small.png")
    r = cli("augment", root, "--policy", "hflip", "--out", "o.npz", cwd=tmp_path)
    assert r.code == 0 and "resized to the common 8x8" in r.err, r.err
    refused(tmp_path, root, "size differs", "--mixed-sizes", "reject")


def test_a_byte_order_mark_is_not_text(tmp_path):
    (tmp_path / "bom.tsv").write_bytes("\ufeffsentence\tlabel\ngood\t1\nbad\t0\n".encode("utf-8"))
    r = cli("augment", "bom.tsv", "--policy", "swap(m=0.5)", "--out", "o.tsv", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8").startswith("sentence\tlabel\n")


def test_double_quotes_survive_augment_and_replay(tmp_path):
    (tmp_path / "q.tsv").write_text('sentence\tlabel\nhe said "no" twice\t1\na "quoted" film\t0\n', encoding="utf-8")
    r = cli("augment", "q.tsv", "--policy", "typo(m=0.1)", "--out", "o.tsv", cwd=tmp_path)
    assert r.code == 0, r.err
    assert 'he said "no" twice' in (tmp_path / "o.tsv").read_text(encoding="utf-8")
    assert cli("replay", "o.tsv.manifest.json", "--out", "r.tsv", cwd=tmp_path).code == 0
    assert (tmp_path / "r.tsv").read_bytes() == (tmp_path / "o.tsv").read_bytes()


def test_a_headerless_table_that_could_be_read_either_way_is_refused(tmp_path):
    rows = ["same old text\tone", "same old text\ttwo", "other text\tthree", "other text\tfour"]
    (tmp_path / "swap.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    before = snapshot(tmp_path)
    r = cli("augment", "swap.tsv", "--policy", "swap", "--out", "out/o.tsv", cwd=tmp_path)
    assert_refused(r, "add a header row", before, tmp_path)


@pytest.mark.parametrize("data,out,needle", [("train.tsv", "o.npz", "name the output *.tsv"),
                                             ("in.npz", "o.tsv", "written as a .npz file name")])
def test_an_output_name_that_does_not_fit_the_data_is_refused(tmp_path, tsv, npz, data, out, needle):
    before = snapshot(tmp_path)
    assert_refused(cli("augment", data, "--policy", "hflip" if data.endswith("npz") else "swap", "--out", out, cwd=tmp_path),
                   needle, before, tmp_path)


@pytest.mark.parametrize("model", ["cnn", "tfidf"])
def test_one_class_is_refused_by_the_lab(tmp_path, model):
    if model == "cnn":
        data = write_npz(tmp_path / "one.npz", n=20, labels=np.zeros(20, np.int64))
    else:
        data = tmp_path / "one.tsv"
        data.write_text("sentence\tlabel\n" + "".join(f"text {i}\t1\n" for i in range(20)), encoding="utf-8")
    before = snapshot(tmp_path)
    policy = "hflip" if model == "cnn" else "swap"
    r = cli("evaluate", data, "--policy", policy, "--per-class", "2", "--model", model, cwd=tmp_path)
    assert_refused(r, "at least two", before, tmp_path)
