"""Image data read and written a chunk at a time, for sets larger than memory.

A *source* is a set of shards (files of many images, or an image folder seen as one
shard). It is cut into *units*, the pieces that workers take: one shard file each, or a
run of chunks of a folder. A unit is read as *chunks* of at most ``batch_size`` images and
written by a *writer* that keeps each original next to its augmented copies, so nothing
but one chunk is ever held in memory.

Every piece here is deterministic: the same input gives the same units, chunks and output
bytes, whichever process handles which unit.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Unit:
    """One piece of work: images ``start``..``stop`` of shard ``shard`` (its position
    among the source's shards), written to ``output`` (a name under the output root, or
    ``""`` for the output itself when one file goes in and one comes out)."""

    shard: int
    start: int
    stop: int
    output: str

    @property
    def samples(self) -> int:
        return self.stop - self.start


@dataclass
class Chunk:
    """Consecutive images of one shard from position ``first``: ``images[i]`` is H×W×C
    uint8 (C = 1 or 3; sizes may differ), ``labels[i]`` its class, and ``originals[i]``
    whatever the writer needs to pass the original through untouched (its encoded bytes,
    its row), or None."""

    first: int
    images: list[np.ndarray]
    labels: np.ndarray
    originals: list

    def __len__(self) -> int:
        return len(self.images)


class ShardSource(ABC):
    """What every streamed format provides. ``kind`` names the format in manifests;
    ``single`` says one file goes in and one comes out (else a folder of shards)."""

    kind: str = ""
    single: bool = False
    suffix: str = ""

    def __init__(self, path: Path):
        self.path = Path(path)

    def check_copies(self, copies: int) -> None:
        """Refuse, before anything is written, an output that ``copies`` copies cannot make."""

    @abstractmethod
    def units(self, batch_size: int) -> list[Unit]:
        """The pieces of work, in order; a folder's depend on ``batch_size``."""

    @abstractmethod
    def chunks(self, unit: Unit, batch_size: int):
        """The unit's images in chunks of at most ``batch_size``."""

    @abstractmethod
    def writer(self, unit: Unit, out_root: Path, copies: int):
        """A context manager taking ``write(chunk, copies)``; ``digest()`` after it closes
        is the SHA-256 of what it wrote."""

    @abstractmethod
    def input_digest(self, unit: Unit) -> str:
        """The SHA-256 of the input bytes the unit reads."""

    def total(self) -> int:
        return sum(u.samples for u in self.units(1 << 62))

    @abstractmethod
    def input_bytes(self) -> int:
        """The size of the input on disk (for the disk-space check)."""


class FileShards(ShardSource):
    """Shards that are files of one suffix: a folder of them (each a unit, written under the
    same name) or one file (written to the output file itself). Subclasses set ``counts``."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.single = self.path.is_file()
        self.files = [self.path] if self.single else sorted(p for p in self.path.iterdir() if p.suffix == self.suffix and p.is_file())
        self.counts: list[int] = []

    def units(self, batch_size: int) -> list[Unit]:
        return [Unit(i, 0, n, "" if self.single else p.name) for i, (p, n) in enumerate(zip(self.files, self.counts))]

    def input_digest(self, unit: Unit) -> str:
        return file_digest(self.files[unit.shard])

    def input_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def copy_name(stem: str, copy: int) -> str:
    """The name of the ``copy``-th augmented copy of the sample called ``stem``."""
    return f"{stem}_aug{copy}"


PNG_LEVEL = 1  # copies are bulk data: zlib's fastest level, still lossless


def encode_png(image: np.ndarray) -> bytes:
    """H×W×C uint8 as PNG bytes (the same bytes for the same pixels)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buf, format="PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def chunk_ranges(start: int, stop: int, batch_size: int):
    """``(first, last)`` ranges of at most ``batch_size`` covering ``start``..``stop``."""
    for first in range(start, stop, batch_size):
        yield first, min(first + batch_size, stop)
