"""Fit each generator on N images per class, draw samples, and judge them; print JSON.

Every step is the CLI a user would run (`synth fit`, `synth sample`, `synth evaluate`), so
the numbers are the ones a user gets. `synth evaluate` reports the project's own metrics
(a judge trained on the generator's training images) and an independent judge trained on
every other image of the dataset.

    python benchmarks/synth_quality.py $AUGMENTLAB_DATA/mnist --per-class 100 --out bench-synth
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "augmentlab.cli", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--models", default="cvae,cgan,ddpm")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench-synth"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for model in args.models.split(","):
        ckpt, samples, quality = (args.out / f"{model}{suffix}" for suffix in (".safetensors", ".npz", ".json"))
        fit_wall = cli("synth", "fit", args.data, "--model", model, "--per-class", str(args.per_class),
                       "--seed", str(args.seed), "--out", str(ckpt))
        sample_wall = cli("synth", "sample", str(ckpt), "--n", str(args.samples), "--seed", str(args.seed), "--out", str(samples))
        cli("synth", "evaluate", str(ckpt), "--data", args.data, "--per-class", str(args.samples // 10),
            "--seed", str(args.seed), "--json", str(quality))
        q = json.loads(quality.read_text())
        results[model] = {
            "fit_seconds": q["fit"]["fit_seconds"], "fit_command_seconds": fit_wall, "sample_command_seconds": sample_wall,
            "steps": q["fit"]["steps"], "independent_judge": q["independent_judge"],
            **{k: q[k] for k in ("conditional_accuracy", "tstr_accuracy", "trtr_accuracy", "frechet_distance",
                                 "frechet_distance_real_train_vs_heldout", "precision", "recall", "density", "coverage",
                                 "memorisation")},
        }
        print(json.dumps({model: results[model]}), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
