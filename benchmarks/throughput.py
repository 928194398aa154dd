"""Throughput of the standard augmentation pipeline vs albumentations, kornia and memcpy.

Prints JSON (the same as ``augmentlab bench --json``). One CPU thread.

    python benchmarks/throughput.py [--seconds 5]
"""

import argparse
import json

from augmentlab.bench import run_bench

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=5.0, help="time per library and case")
    print(json.dumps(run_bench(seconds=ap.parse_args().seconds), indent=2))
