"""Uncompressed .npz images are memory-mapped copy-on-write, and in-memory `augment` gives
their pages back as it goes: the same bytes out, the file untouched, and pages released
only where this module mapped them."""

import zipfile

import numpy as np
import pytest
import torch

from augmentlab.data.mapped import map_npz_member, release_rows
from augmentlab.data.npz import read_npz
from augmentlab.errors import AugmentlabError
from tests.conftest import run


def _images(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def _resident_kb(path) -> int | None:
    """Resident kilobytes of this process's mappings of ``path`` (Linux), else None."""
    try:
        lines = open("/proc/self/smaps").read().splitlines()
    except OSError:
        return None
    total, inside = 0, False
    for line in lines:
        if line[:1] in "0123456789abcdef" and "-" in line.split()[0]:
            inside = line.endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_stored_members_are_mapped_and_compressed_or_fortran_ones_are_not(tmp_path):
    images, labels = _images()
    np.savez(tmp_path / "stored.npz", images=images, labels=labels)
    np.savez_compressed(tmp_path / "deflated.npz", images=images, labels=labels)
    np.savez(tmp_path / "fortran.npz", images=np.asfortranarray(images), labels=labels)
    with zipfile.ZipFile(tmp_path / "stored.npz") as z:
        mapped = map_npz_member(tmp_path / "stored.npz", z, "images.npy")
        assert isinstance(mapped, np.memmap) and np.array_equal(mapped, images)
        assert map_npz_member(tmp_path / "stored.npz", z, "missing.npy") is None
    for name in ("deflated.npz", "fortran.npz"):
        with zipfile.ZipFile(tmp_path / name) as z:
            assert map_npz_member(tmp_path / name, z, "images.npy") is None
    a, b = read_npz(tmp_path / "stored.npz"), read_npz(tmp_path / "deflated.npz")
    assert torch.equal(a.data, b.data) and torch.equal(a.labels, b.labels)


def test_writes_to_mapped_images_stay_in_memory_and_never_reach_the_file(tmp_path):
    images, labels = _images()
    path = tmp_path / "d.npz"
    np.savez(path, images=images, labels=labels)
    before = path.read_bytes()
    ds = read_npz(path)
    ds.data[0].fill_(7)
    assert int(ds.data[0].min()) == 7 and path.read_bytes() == before


def test_released_rows_leave_memory_and_read_back_the_same(tmp_path):
    images, labels = _images(2000)
    path = tmp_path / "d.npz"
    np.savez(path, images=images, labels=labels)
    ds = read_npz(path)
    assert int(ds.data.sum()) == int(images.astype(np.int64).sum())  # every page read
    resident = _resident_kb(path)
    if resident is None:
        pytest.skip("no /proc/self/smaps here")
    assert resident >= images.nbytes // 1024 - 8
    release_rows(ds.data, 0, len(ds.data))
    assert _resident_kb(path) < 16
    assert np.array_equal(ds.data[:, 0].numpy(), images)  # faulted back in from the file


def test_rows_outside_a_mapping_are_never_released():
    x = torch.arange(64 * 4096, dtype=torch.int64).reshape(64, 4096)  # 2 MB of ordinary memory
    want = x.clone()
    release_rows(x, 0, 64)
    release_rows(x[::2], 0, 32)  # not contiguous either
    assert torch.equal(x, want)


def test_augment_from_a_stored_npz_writes_the_bytes_a_compressed_one_does(tmp_path, capsys):
    images, labels = _images()
    np.savez(tmp_path / "stored.npz", images=images, labels=labels)
    np.savez_compressed(tmp_path / "deflated.npz", images=images, labels=labels)
    for name in ("stored", "deflated"):
        code, _, err = run(["augment", str(tmp_path / f"{name}.npz"), "--policy", "rand-n2-m0.3", "--copies", "2",
                            "--batch-size", "64", "--out", str(tmp_path / f"out_{name}.npz")], capsys)
        assert code == 0, err
    assert (tmp_path / "out_stored.npz").read_bytes() == (tmp_path / "out_deflated.npz").read_bytes()


def test_a_damaged_stored_member_is_refused_as_before_not_mapped(tmp_path):
    images, labels = _images()
    path = tmp_path / "d.npz"
    np.savez(path, images=images, labels=labels)
    raw = bytearray(path.read_bytes())
    raw[raw.find(b"\x93NUMPY") + 500] ^= 0xFF  # one pixel's bits flipped: the zip's CRC-32 no longer holds
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as z:
        assert map_npz_member(path, z, "images.npy") is None
    with pytest.raises(AugmentlabError, match="Bad CRC-32"):
        read_npz(path)
