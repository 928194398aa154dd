"""An image folder (one subfolder per class) streamed file by file. The folder is one shard
cut into units of a few chunks; every original is copied byte for byte and its copies
are written beside it as ``<name>_aug1.png``, ... Each image keeps its own size and
channels (nothing is resized to a common size, as the in-memory reader must)."""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path

import numpy as np

from augmentlab.data.folder import class_files, decode_image
from augmentlab.data.shards.base import Chunk, ShardSource, Unit, chunk_ranges, copy_name, encode_png
from augmentlab.errors import AugmentlabError

CHUNKS_PER_UNIT = 4  # units only share out the work: the output does not depend on their size


class FolderShards(ShardSource):
    kind = "folder"

    def __init__(self, path: Path):
        super().__init__(path)
        self.class_dirs, self.files = class_files(self.path)

    def check_copies(self, copies: int) -> None:
        """Refuse a folder where a copy's name would be taken twice (``a.png`` and
        ``a.jpg`` both give ``a_aug1.png``) or is already an original's."""
        by_folder: dict[Path, set[str]] = {}
        for p, _ in self.files:
            by_folder.setdefault(p.parent, set()).add(p.name)
        for p, _ in self.files:
            for j in range(1, copies + 1):
                name = copy_name(p.stem, j) + ".png"
                taken = by_folder[p.parent]
                if name in taken:
                    raise AugmentlabError(f"{p}: its copy {name} would take the name of another file in {p.parent}; "
                                          "rename one of them")
                taken.add(name)

    def units(self, batch_size: int) -> list[Unit]:
        step = batch_size * CHUNKS_PER_UNIT
        return [Unit(0, start, min(start + step, len(self.files)), "") for start in range(0, len(self.files), step)]

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.path).as_posix()

    def input_digest(self, unit: Unit) -> str:
        h = hashlib.sha256()
        for p, _ in self.files[unit.start:unit.stop]:
            h.update(self._relative(p).encode() + b"\0" + p.read_bytes())
        return h.hexdigest()

    def input_bytes(self) -> int:
        return sum(p.stat().st_size for p, _ in self.files)

    def chunks(self, unit: Unit, batch_size: int):
        for first, last in chunk_ranges(unit.start, unit.stop, batch_size):
            images, originals = [], []
            for p, _ in self.files[first:last]:
                try:
                    data = p.read_bytes()
                except OSError as e:
                    raise AugmentlabError(f"{p}: cannot read ({e.strerror})") from None
                images.append(decode_image(io.BytesIO(data), p))
                originals.append((self._relative(p), data))
            labels = np.array([label for _, label in self.files[first:last]], dtype=np.int64)
            yield Chunk(first, images, labels, originals)

    @contextlib.contextmanager
    def writer(self, unit: Unit, out_root: Path, copies: int):
        yield _FolderWriter(out_root)


class _FolderWriter:
    def __init__(self, root: Path):
        self.root = root
        self.hash = hashlib.sha256()

    def _put(self, relative: str, data: bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.hash.update(relative.encode() + b"\0" + data)

    def write(self, chunk: Chunk, copies: list[list[np.ndarray]]) -> None:
        for i, (relative, data) in enumerate(chunk.originals):
            self._put(relative, data)
            folder, _, name = relative.rpartition("/")
            for j, copy in enumerate(copies, start=1):
                self._put(f"{folder}/{copy_name(Path(name).stem, j)}.png", encode_png(copy[i]))

    def digest(self) -> str:
        return self.hash.hexdigest()
