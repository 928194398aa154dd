"""Image sets read and written a chunk at a time (``augment`` on data larger than memory)."""

from __future__ import annotations

from pathlib import Path

from augmentlab.data.shards.base import Chunk, ShardSource, Unit
from augmentlab.errors import AugmentlabError

__all__ = ["Chunk", "ShardSource", "Unit", "open_source", "shard_files_kind", "STREAM_FORMATS"]

STREAM_FORMATS = ("npz-shards", "tar-shards", "parquet-shards", "folder")
SHARD_SUFFIXES = {".npz": "npz-shards", ".tar": "tar-shards", ".parquet": "parquet-shards"}
WHAT = "an image folder, a .npz, .tar (WebDataset) or .parquet image file, or a folder of such shards"


def shard_files_kind(path: Path) -> str | None:
    """The format of a folder of shard files (``npz-shards``, ...), None for any other
    path; a folder mixing shard formats is refused."""
    path = Path(path)
    if not path.is_dir():
        return None
    kinds = {SHARD_SUFFIXES[p.suffix] for p in path.iterdir() if p.suffix in SHARD_SUFFIXES and p.is_file()}
    if len(kinds) > 1:
        raise AugmentlabError(f"{path}: holds shards of several formats ({', '.join(sorted(kinds))}); expected one")
    return kinds.pop() if kinds else None


def open_source(path: str | Path, label_column: str | None = None) -> ShardSource:
    """The streamed source at ``path``; ``label_column`` names Parquet's label column."""
    from augmentlab.data.shards.folder_shards import FolderShards
    from augmentlab.data.shards.npz_shards import NpzShards
    from augmentlab.data.shards.parquet_shards import ParquetShards
    from augmentlab.data.shards.tar_shards import TarShards

    path = Path(path)
    if not path.exists():
        raise AugmentlabError(f"{path}: no such file or folder")
    kind = SHARD_SUFFIXES.get(path.suffix) if path.is_file() else shard_files_kind(path)
    if path.is_file() and kind is None:
        raise AugmentlabError(f"{path}: cannot be streamed; expected {WHAT}")
    if kind == "parquet-shards":
        return ParquetShards(path, label_column)
    return {"npz-shards": NpzShards, "tar-shards": TarShards, None: FolderShards}[kind](path)
