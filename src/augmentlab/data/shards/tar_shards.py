"""WebDataset-style ``.tar`` shards: consecutive members sharing a key (the name up to the
first dot of its base name) are one sample, ``key.png`` (or ``.jpg``/``.jpeg``/``.webp``)
its image and ``key.cls`` its class index. Shards are read as a stream; the output shard
has each sample's members as they were, followed by its copies (``key_aug1.png`` with
every other member of the sample, ``key_aug1.cls`` and any metadata, as it was), with
fixed owner and time so equal images give equal files."""

from __future__ import annotations

import contextlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from augmentlab.data.folder import decode_image
from augmentlab.data.shards.base import Chunk, FileShards, Unit, copy_name, encode_png, file_digest
from augmentlab.errors import AugmentlabError

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")


def split_key(name: str) -> tuple[str, str]:
    """``("dir/key", "ext")`` as WebDataset splits a member name."""
    folder, _, base = name.rpartition("/")
    stem, _, ext = base.partition(".")
    return (f"{folder}/{stem}" if folder else stem), ext


@dataclass
class Sample:
    key: str
    members: list[tuple[tarfile.TarInfo, bytes]]

    def part(self, ext: str) -> bytes | None:
        return next((data for info, data in self.members if split_key(info.name)[1] == ext), None)


def _samples(path: Path, members):
    """Group ``(TarInfo, bytes or None)`` pairs into samples, in order; each sample is
    checked to have one image and a class."""
    current: Sample | None = None
    seen: set[str] = set()
    for info, data in members:
        if info.isdir():
            continue
        if not info.isfile():
            raise AugmentlabError(f"{path}: member {info.name!r} is not a regular file (links are not read)")
        key, ext = split_key(info.name)
        if current is not None and key != current.key:
            yield _checked(path, current)
            current = None
        if current is None:
            if key in seen:
                raise AugmentlabError(f"{path}: sample {key!r} appears twice, apart; a sample's members must be consecutive")
            seen.add(key)
            current = Sample(key, [])
        current.members.append((info, data))
    if current is not None:
        yield _checked(path, current)


def _checked(path: Path, sample: Sample) -> Sample:
    exts = [split_key(info.name)[1] for info, _ in sample.members]
    images = [e for e in exts if e.lower() in IMAGE_EXTENSIONS]
    if len(images) != 1:
        raise AugmentlabError(f"{path}: sample {sample.key!r} has {len(images)} images ({', '.join(exts)}); "
                              f"expected one of {', '.join('.' + e for e in IMAGE_EXTENSIONS)}")
    if "cls" not in exts:
        raise AugmentlabError(f"{path}: sample {sample.key!r} has no class ({sample.key}.cls); found {', '.join(exts)}")
    return sample


def label_of(path: Path, sample: Sample) -> int:
    text = sample.part("cls")
    try:
        label = int(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise AugmentlabError(f"{path}: {sample.key}.cls must hold a class index (a whole number); got {text[:20]!r}") from None
    if label < 0:
        raise AugmentlabError(f"{path}: {sample.key}.cls is {label}; class indices are non-negative")
    return label


class TarShards(FileShards):
    """A folder of ``.tar`` shards (each a unit, written under the same name), or one."""

    kind = "tar-shards"
    suffix = ".tar"

    def __init__(self, path: Path):
        super().__init__(path)
        self.counts = [self._count(p) for p in self.files]

    @staticmethod
    def _count(path: Path) -> int:
        """Samples in a shard, from its headers alone (the data is skipped)."""
        try:
            with tarfile.open(path, "r:") as tar:
                return sum(1 for _ in _samples(path, ((info, None) for info in tar.getmembers())))
        except tarfile.TarError as e:
            raise AugmentlabError(f"{path}: not a readable .tar shard ({e})"[:300]) from None

    def chunks(self, unit: Unit, batch_size: int):
        path = self.files[unit.shard]
        batch: list[Sample] = []
        first = 0
        try:
            with tarfile.open(path, "r|") as tar:
                members = ((info, tar.extractfile(info).read() if info.isfile() else None) for info in tar)
                for sample in _samples(path, members):
                    batch.append(sample)
                    if len(batch) == batch_size:
                        yield self._chunk(path, first, batch)
                        first += len(batch)
                        batch = []
        except tarfile.TarError as e:
            raise AugmentlabError(f"{path}: not a readable .tar shard ({e})"[:300]) from None
        if batch:
            yield self._chunk(path, first, batch)

    @staticmethod
    def _chunk(path: Path, first: int, samples: list[Sample]) -> Chunk:
        images = []
        for s in samples:
            ext = next(split_key(i.name)[1] for i, _ in s.members if split_key(i.name)[1].lower() in IMAGE_EXTENSIONS)
            images.append(decode_image(io.BytesIO(s.part(ext)), f"{path}: {s.key}.{ext}"))
        labels = np.array([label_of(path, s) for s in samples], dtype=np.int64)
        return Chunk(first, images, labels, samples)

    @contextlib.contextmanager
    def writer(self, unit: Unit, out_root: Path, copies: int):
        path = out_root / unit.output if unit.output else out_root
        writer = _TarWriter(path)
        try:
            yield writer
        finally:
            writer.close()


class _TarWriter:
    def __init__(self, path: Path):
        self.path = path
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)

    def _add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        self.tar.addfile(info, io.BytesIO(data))

    def write(self, chunk: Chunk, copies: list[list[np.ndarray]]) -> None:
        for i, sample in enumerate(chunk.originals):
            for info, data in sample.members:
                self.tar.addfile(info, io.BytesIO(data))
            for j, copy in enumerate(copies, start=1):
                name = copy_name(sample.key, j)
                self._add(f"{name}.png", encode_png(copy[i]))
                for info, data in sample.members:
                    ext = split_key(info.name)[1]
                    if ext.lower() not in IMAGE_EXTENSIONS:
                        self._add(f"{name}.{ext}", data)

    def close(self) -> None:
        self.tar.close()

    def digest(self) -> str:
        return file_digest(self.path)
