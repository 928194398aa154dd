"""IDX files as MNIST ships them (raw or ``.gz``): a magic number naming the dtype and
rank, big-endian dimension sizes, then the data."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from augmentlab.errors import AugmentlabError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise AugmentlabError(f"{path}: cannot read IDX file ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise AugmentlabError(f"{path}: not an IDX file (bad magic number)")
    code, ndim = raw[2], raw[3]
    if code not in _DTYPES or ndim == 0:
        raise AugmentlabError(f"{path}: unsupported IDX type code 0x{code:02x} or rank {ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise AugmentlabError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise AugmentlabError(
            f"{path}: truncated or oversized IDX data: header says shape {shape} "
            f"({expected} bytes) but the file holds {len(raw) - header} bytes"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8 array as IDX (gzip-compressed when the name ends in ``.gz``)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def find_idx_pair(folder: Path) -> tuple[Path, Path] | None:
    """The (images, labels) IDX files in ``folder``, matched by the MNIST naming
    convention (``*-images-idx3-ubyte[.gz]`` and ``*-labels-idx1-ubyte[.gz]``)."""
    images = sorted(p for p in folder.iterdir() if "idx3-ubyte" in p.name)
    labels = sorted(p for p in folder.iterdir() if "idx1-ubyte" in p.name)
    if not images and not labels:
        return None
    if len(images) != 1 or len(labels) != 1:
        raise AugmentlabError(
            f"{folder}: expected exactly one *idx3-ubyte images file and one *idx1-ubyte labels file; "
            f"found {len(images)} and {len(labels)}"
        )
    return images[0], labels[0]
