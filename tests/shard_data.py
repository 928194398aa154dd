"""Small image shards in every streamed format, made from a seed."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image


def png(image: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format=fmt)
    return buf.getvalue()


def npz_shards(root: Path, shards: int = 3, n: int = 20, size: int = 8, seed: int = 0, **extra) -> Path:
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        np.savez(root / f"part-{s:03d}.npz", images=rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8),
                 labels=rng.integers(0, 4, n), **extra)
    return root


def tar_shards(root: Path, shards: int = 2, n: int = 12, seed: int = 0) -> Path:
    """Samples of mixed sizes and channels (grey every third), each with a .json member."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        with tarfile.open(root / f"shard-{s}.tar", "w") as tar:
            for i in range(n):
                shape = (10, 9) if i % 3 == 0 else (8 + i % 2, 8, 3)
                key = f"s{s}_{i:04d}"
                for name, data in ((f"{key}.png", png(rng.integers(0, 256, shape, dtype=np.uint8))),
                                   (f"{key}.cls", str(i % 3).encode()), (f"{key}.json", b'{"id": %d}' % i)):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
    return root


def parquet_shards(root: Path, shards: int = 2, n: int = 15, seed: int = 0, label: str = "label") -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        rows = [{"image": {"bytes": png(rng.integers(0, 256, (9, 11, 3), dtype=np.uint8), "JPEG"), "path": f"{i}.jpg"},
                 label: i % 3, "note": f"n{i}"} for i in range(n)]
        pq.write_table(pa.Table.from_pylist(rows), root / f"part-{s}.parquet", row_group_size=6)
    return root


def image_folder(root: Path, per_class: int = 5, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for c in ("cat", "dog"):
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            (root / c / f"{i}.png").write_bytes(png(rng.integers(0, 256, (8 + i % 2, 8, 3), dtype=np.uint8)))
    return root
