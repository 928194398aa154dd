"""Streamed ``augment`` on a set larger than we would like in memory: 100,000 32×32 RGB
images (made here from a seed, in 20 ``.npz`` shards), one copy each, with 1 and 2 local
worker processes and with Ray Data on a local cluster of 2 CPUs. Prints JSON: wall time,
the peak memory of the whole process tree, and whether every output file is byte for byte
the same across the runs.

Memory is sampled every 20 ms from /proc for the command and all its descendants:
``peak_pss_mb`` is the proportional set size summed over the tree (a page shared by two
forked workers counts half to each: what the machine actually spends), ``peak_rss_mb``
the resident size summed (shared pages counted once per process, an overestimate), and
``peak_rss_main_mb`` the command's own process. Linux only.

    python benchmarks/stream_memory.py [--images 100000] [--shards 20] [--skip-ray] [--in-memory]

``--in-memory`` adds the in-memory ``augment`` of the same images as one ``.npz``, for
comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from memory_probe import measured

POLICY = "hflip+affine(m=0.3)"


def make_shards(root: Path, images: int, shards: int, seed: int = 0) -> None:
    """Smooth random images (8×8 noise blown up 4×), in equal shards."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True)
    per = -(-images // shards)
    for s in range(shards):
        n = min(per, images - s * per)
        small = rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)
        np.savez(root / f"train-{s:05d}.npz", images=small.repeat(4, axis=1).repeat(4, axis=2),
                 labels=rng.integers(0, 10, n))


def digests(path: Path) -> dict[str, str]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {p.relative_to(path).as_posix() if path.is_dir() else p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=20)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--in-memory", action="store_true")
    args = parser.parse_args()
    cli = [sys.executable, "-c", "from augmentlab.cli import main; main()"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_shards(root / "shards", args.images, args.shards)
        input_mb = sum(p.stat().st_size for p in (root / "shards").iterdir()) / 2**20
        runs = {"workers_1": ["--workers", "1"], "workers_2": ["--workers", "2"]}
        if not args.skip_ray:
            runs["ray_2"] = ["--backend", "ray", "--workers", "2"]
        results, outputs = {}, {}
        for name, flags in runs.items():
            out = root / name
            results[name] = measured([*cli, "augment", str(root / "shards"), "--policy", POLICY, "--copies", "1",
                                      "--out", str(out), *flags])
            outputs[name] = digests(out)
            results[name]["output_mb"] = round(sum(p.stat().st_size for p in out.iterdir()) / 2**20)
        if args.in_memory:
            import zipfile

            single = root / "all.npz"
            parts = [np.load(p) for p in sorted((root / "shards").iterdir())]
            np.savez(single, images=np.concatenate([p["images"] for p in parts]), labels=np.concatenate([p["labels"] for p in parts]))
            del parts
            assert zipfile.is_zipfile(single)
            results["in_memory_one_npz"] = measured([*cli, "augment", str(single), "--policy", POLICY, "--copies", "1",
                                                     "--out", str(root / "in-memory.npz")])
        first = next(iter(outputs.values()))
        print(json.dumps({
            "images": args.images, "shards": args.shards, "size": "32x32x3", "copies": 1, "policy": POLICY,
            "input_mb": round(input_mb), "cpus": os.cpu_count(),
            "runs": results,
            "same_bytes": {name: files == first for name, files in outputs.items()},
            "files_compared": len(first),
        }, indent=2))


if __name__ == "__main__":
    main()
