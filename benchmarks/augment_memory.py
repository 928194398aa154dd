"""In-memory ``augment`` of 60,000 28×28 grey images with 4 copies each (the size of MNIST's
training set; made here from a seed): the peak resident memory of the command next to the
size of what it writes. ``augment`` writes each batch as it is made (npz and image-folder
outputs), so memory holds the input and one batch (the parameter records are spooled to a
temporary file), not the output. The streamed ``augment`` (``--workers 1``) holds one
chunk of the input too, and records no parameters (its draws follow from the seed).

    python benchmarks/augment_memory.py [--images 60000] [--copies 4] [--policy rand-n2-m0.3]

Prints JSON: wall time, peak PSS and RSS (see ``memory_probe``), the raw output size (the
images as uint8 arrays) and the file's size, and the ratio of the peak to the raw output.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from memory_probe import measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--policy", default="rand-n2-m0.3")
    args = parser.parse_args()
    cli = [sys.executable, "-c", "from augmentlab.cli import main; main()"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = np.random.default_rng(0)
        small = rng.integers(0, 256, (args.images, 7, 7), dtype=np.uint8)
        np.savez(root / "train.npz", images=small.repeat(4, axis=1).repeat(4, axis=2), labels=rng.integers(0, 10, args.images))
        raw = args.images * (args.copies + 1) * 28 * 28
        runs = {}
        for name, flags in (("in_memory", []), ("streamed_workers_1", ["--workers", "1"])):
            out = root / f"{name}.npz"
            run = measured([*cli, "augment", str(root / "train.npz"), "--policy", args.policy, "--copies", str(args.copies),
                            "--out", str(out), *flags])
            manifest = out.with_name(out.name + ".manifest.json")
            runs[name] = {**run, "output_file_mb": round(out.stat().st_size / 2**20), "manifest_mb": round(manifest.stat().st_size / 2**20, 1),
                          "peak_rss_over_raw_output": round(run["peak_rss_main_mb"] * 2**20 / raw, 2)}
        print(json.dumps({"images": args.images, "size": "28x28x1", "copies": args.copies, "policy": args.policy,
                          "output_raw_mb": round(raw / 2**20), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
