"""IDX files as MNIST ships them (raw or ``.gz``): a magic number naming the dtype and
rank, big-endian dimension sizes, then the data."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# Refuse IDX data larger than this: the whole array is held in memory.
MAX_BYTES = 16 * 2**30


def read_idx(path: str | Path) -> np.ndarray:
    """The array in an IDX file. The header is checked before the data is read, and the
    data is read only up to the size the header gives (a gzip bomb is never inflated)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise AugmentlabError(f"{path}: not an IDX file (bad magic number)")
            code, ndim = head[2], head[3]
            if code not in _DTYPES or ndim == 0:
                raise AugmentlabError(f"{path}: unsupported IDX type code 0x{code:02x} or rank {ndim}")
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise AugmentlabError(f"{path}: truncated IDX header")
            shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
            dtype = np.dtype(_DTYPES[code])
            expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if expected > MAX_BYTES:
                raise AugmentlabError(f"{path}: header says shape {shape} ({expected:,} bytes); "
                                      f"more than the {MAX_BYTES // 2**30} GiB this reader accepts")
            raw = f.read(expected + 1)  # one byte more tells an oversized file
    except (OSError, EOFError, zlib.error) as e:
        raise AugmentlabError(f"{path}: cannot read IDX file ({type(e).__name__}: {e})") from None
    if len(raw) != expected:
        size = f"{len(raw)} bytes" if len(raw) <= expected else "more"
        raise AugmentlabError(
            f"{path}: truncated or oversized IDX data: header says shape {shape} "
            f"({expected} bytes) but the file holds {size}"
        )
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


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


def read_idx_dataset(images_path: Path, labels_path: Path) -> Dataset:
    """An image ``Dataset`` from an IDX images file (N×H×W) and its labels file (N)."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise AugmentlabError(f"{images_path}: expected a rank-3 IDX image array (N×H×W); got rank {images.ndim}")
    if labels.ndim != 1:
        raise AugmentlabError(f"{labels_path}: expected a rank-1 IDX label array; got rank {labels.ndim}")
    if len(images) != len(labels):
        raise AugmentlabError(f"{images_path.parent}: {len(images)} images but {len(labels)} labels; the counts must agree")
    if not np.issubdtype(labels.dtype, np.integer):
        raise AugmentlabError(f"{labels_path}: labels must be integers; the IDX file holds {labels.dtype}")
    return Dataset.from_images(images, labels.astype(np.int64), None, "idx", where=str(images_path))
