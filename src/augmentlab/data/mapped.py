"""Input arrays memory-mapped from their files, and their pages given back once read.

An ``.npz`` member stored without compression (``np.savez``'s default) is a ``.npy`` file
inside the zip at a fixed offset: mapped copy-on-write, its pages are read from the file
as they are touched, and nothing is copied at load. In-memory ``augment`` reads the input
batch by batch, once for the originals and once per copy; after each batch it hands the
pages of the rows it read back to the kernel (``release_rows``), so resident memory holds
about one batch of the input instead of all of it. A later read faults them back in from
the page cache. Only the mappings made here are ever released: anywhere else, dropping
pages would drop data.
"""

from __future__ import annotations

import mmap
import weakref
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

_mappings: list[weakref.ref] = []  # the arrays mapped here, while they live


def map_npz_member(path: Path, zf: zipfile.ZipFile, name: str) -> np.ndarray | None:
    """Member ``name`` of the open archive ``zf`` (at ``path``) as a copy-on-write memmap,
    or None where it cannot be mapped (compressed, Fortran order, object dtype, encrypted,
    or failing the zip's CRC-32): the caller then reads it whole, and reports the damage.
    Checking the CRC reads the member once (as reading it whole would), then its pages are
    given back."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)  # the local file header: its name and extra field lengths end it
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            return None
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        f.seek(start)
        try:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                return None
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(f)
        except ValueError:
            return None
        offset = f.tell()
        f.seek(start)
        header = f.read(offset - start)
    count = int(np.prod(shape))
    if fortran or dtype.hasobject or count == 0 or offset - start + count * dtype.itemsize != info.file_size:
        return None
    array = np.memmap(path, dtype=dtype, mode="c", offset=offset, shape=shape)
    if _crc32(header, array) != info.CRC:
        return None
    _drop_pages(array, array.ctypes.data, array.ctypes.data + array.nbytes)
    _mappings[:] = [r for r in _mappings if r() is not None]
    _mappings.append(weakref.ref(array))
    return array


def _crc32(header: bytes, array: np.memmap, chunk: int = 1 << 22) -> int:
    data = memoryview(array.reshape(-1).view(np.uint8))
    crc = zlib.crc32(header)
    for at in range(0, len(data), chunk):
        crc = zlib.crc32(data[at : at + chunk], crc)
    return crc


def release_rows(data: torch.Tensor, start: int, stop: int) -> None:
    """Give back the pages of rows ``start:stop`` of ``data`` where ``data`` lies in a
    mapping made by ``map_npz_member`` (elsewhere, nothing happens). Pages shared with the
    rows either side go too; the next read brings them back from the file."""
    if not isinstance(data, torch.Tensor) or not data.is_cpu or not data.is_contiguous():
        return
    row = data[0].numel() * data.element_size() if len(data) else 0
    first = data.data_ptr() + start * row
    last = data.data_ptr() + stop * row
    for ref in _mappings:
        array = ref()
        if array is not None and array.ctypes.data <= first < last <= array.ctypes.data + array.nbytes:
            _drop_pages(array, first, last)
            return


def _drop_pages(array: np.memmap, first: int, last: int) -> None:
    """Give back the pages holding addresses ``first:last`` of ``array``'s own mapping."""
    if not hasattr(mmap, "MADV_DONTNEED") or array._mmap is None:
        return
    # the mmap object starts at the page boundary at or below the array's first byte
    mapped_from = array.ctypes.data - (array.offset % mmap.ALLOCATIONGRANULARITY)
    lo = (first - mapped_from) // mmap.PAGESIZE * mmap.PAGESIZE
    hi = min(len(array._mmap), -(-(last - mapped_from) // mmap.PAGESIZE) * mmap.PAGESIZE)
    if hi > lo:
        array._mmap.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
