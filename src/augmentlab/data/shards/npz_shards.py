"""``.npz`` shards read and written a chunk at a time: the ``images`` array is streamed out
of its zip member through the ``.npy`` header (and into the output by ``NpzWriter``), so a
shard never has to fit in memory. The output keeps the input's array layout (N×H×W or
N×H×W×C) and compression."""

from __future__ import annotations

import contextlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from augmentlab.data.npz import NpzWriter
from augmentlab.data.shards.base import Chunk, FileShards, Unit, chunk_ranges, file_digest
from augmentlab.errors import AugmentlabError

IMAGE_KEYS = ("images", "x")
LABEL_KEYS = ("labels", "y")


@dataclass(frozen=True)
class NpzShard:
    path: Path
    images: str  # the member holding the images ("images.npy" or "x.npy")
    shape: tuple[int, ...]
    compress_type: int
    labels: np.ndarray
    class_names: tuple[str, ...] | None


def _header(f, where):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version in ((2, 0), (3, 0)):
        return np.lib.format.read_array_header_2_0(f)
    raise AugmentlabError(f"{where}: .npy format version {version} is not supported")


def _member(names: list[str], keys: tuple[str, ...]) -> str | None:
    return next((k + ".npy" for k in keys if k + ".npy" in names), None)


def read_shard_header(path: Path) -> NpzShard:
    """A shard's layout, labels and class names, checked; no pixel is read."""
    try:
        with open(path, "rb") as f:
            if f.read(2) != b"PK":
                raise AugmentlabError(f"{path}: not a .npz file (not a zip archive of arrays)")
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            images, labels = _member(names, IMAGE_KEYS), _member(names, LABEL_KEYS)
            if images is None or labels is None:
                raise AugmentlabError(f"{path}: expected arrays 'images' and 'labels' (or 'x' and 'y'); found "
                                      f"{sorted(n.removesuffix('.npy') for n in names)}")
            with z.open(images) as f:
                shape, fortran, dtype = _header(f, path)
            with z.open(labels) as f:
                label_values = np.lib.format.read_array(f, allow_pickle=False)
            class_names = None
            if "class_names.npy" in names:
                with z.open("class_names.npy") as f:
                    arr = np.lib.format.read_array(f, allow_pickle=False)
                if arr.ndim != 1 or arr.dtype.kind not in "US":
                    raise AugmentlabError(f"{path}: class_names must be a 1-D array of strings; got {arr.dtype} of shape {arr.shape}")
                class_names = tuple(str(n) for n in arr)
            compress_type = z.getinfo(images).compress_type
    except AugmentlabError:
        raise
    except ValueError as e:
        raise AugmentlabError(f"{path}: refused to load ({e}); object arrays are not accepted") from None
    except Exception as e:  # zipfile.BadZipFile, EOFError, OSError: a corrupt or truncated file
        raise AugmentlabError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})"[:300]) from None
    where = f"{path}: {images.removesuffix('.npy')}"
    if dtype != np.uint8:
        raise AugmentlabError(f"{where} must be uint8; got {dtype}")
    if fortran:
        raise AugmentlabError(f"{where} is stored in Fortran order; save it C-contiguous (numpy's default)")
    if len(shape) not in (3, 4) or (len(shape) == 4 and shape[3] not in (1, 3)):
        raise AugmentlabError(f"{where} must be N×H×W or N×H×W×C with C = 1 or 3; got shape {shape}")
    if 0 in shape[1:3]:
        raise AugmentlabError(f"{where}: images of {shape[2]}x{shape[1]} pixels; expected at least 1x1")
    if label_values.ndim != 1 or not np.issubdtype(label_values.dtype, np.integer):
        raise AugmentlabError(f"{path}: labels must be a 1-D integer array; got {label_values.dtype} {label_values.shape}")
    if len(label_values) != shape[0]:
        raise AugmentlabError(f"{path}: {shape[0]} images but {len(label_values)} labels; the counts must agree")
    if len(label_values) and label_values.min() < 0:
        raise AugmentlabError(f"{path}: labels must be non-negative; got {label_values.min()}")
    if class_names is not None and len(label_values) and label_values.max() >= len(class_names):
        raise AugmentlabError(f"{path}: class_names lists {len(class_names)} classes but a label is {label_values.max()}")
    return NpzShard(path, images, tuple(shape), compress_type, label_values.astype(np.int64), class_names)


class NpzShards(FileShards):
    """A folder of ``.npz`` shards (each a unit, written under the same name), or one
    ``.npz`` file streamed into one output file."""

    kind = "npz-shards"
    suffix = ".npz"

    def __init__(self, path: Path):
        super().__init__(path)
        self.shards = [read_shard_header(p) for p in self.files]
        self.counts = [s.shape[0] for s in self.shards]
        names = {s.class_names for s in self.shards}
        if len(names) > 1:
            first = self.shards[0]
            odd = next(s for s in self.shards if s.class_names != first.class_names)
            raise AugmentlabError(f"{odd.path}: class_names {odd.class_names} differ from {first.path.name}'s "
                                  f"{first.class_names}; every shard must name the classes alike"[:300])

    def chunks(self, unit: Unit, batch_size: int):
        shard = self.shards[unit.shard]
        per_image = int(np.prod(shape_hwc(shard.shape)))
        try:
            with zipfile.ZipFile(shard.path) as z, z.open(shard.images) as f:
                _header(f, shard.path)
                for first, last in chunk_ranges(unit.start, unit.stop, batch_size):
                    raw = f.read((last - first) * per_image)
                    if len(raw) != (last - first) * per_image:
                        raise AugmentlabError(f"{shard.path}: images end after {first + len(raw) // per_image} of "
                                              f"{shard.shape[0]} images (a truncated file)")
                    arr = np.frombuffer(raw, np.uint8).reshape((last - first, *shape_hwc(shard.shape)))
                    yield Chunk(first, list(arr), shard.labels[first:last], [None] * (last - first))
        except AugmentlabError:
            raise
        except Exception as e:  # a member that fails its CRC or stops short
            raise AugmentlabError(f"{shard.path}: not a readable .npz file ({type(e).__name__}: {e})"[:300]) from None

    @contextlib.contextmanager
    def writer(self, unit: Unit, out_root: Path, copies: int):
        shard = self.shards[unit.shard]
        path = out_root / unit.output if unit.output else out_root
        writer = _ShardWriter(NpzWriter(path, (unit.samples * (copies + 1), *shard.shape[1:]), shard.compress_type,
                                        shard.class_names))
        try:
            yield writer
        finally:
            writer.out.close()


def shape_hwc(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """One image's H×W×C in an array of ``shape`` (N×H×W arrays hold one channel)."""
    return (shape[1], shape[2], 1) if len(shape) == 3 else tuple(shape[1:])


class _ShardWriter:
    """Each original followed by its copies, a chunk at a time."""

    def __init__(self, out: NpzWriter):
        self.out = out

    def write(self, chunk: Chunk, copies: list[list[np.ndarray]]) -> None:
        block = np.stack([np.stack(chunk.images), *(np.stack(c) for c in copies)], axis=1)  # original, then its copies
        self.out.write(block.reshape(-1, *self.out.shape[1:]), np.repeat(chunk.labels, len(copies) + 1))

    def digest(self) -> str:
        return file_digest(self.out.path)
