"""Time one training run of the lab's default image model: MNIST, 10 images per class,
800 steps, the lab's two torch threads, as `evaluate` trains it (``train.trainer.train``
with ``build_model("cnn", ...)``). Prints JSON: seconds per run and test accuracy per
seed, their means.

    python benchmarks/lab_speed.py $AUGMENTLAB_DATA/mnist [--seeds 3] [--policy "affine(m=0.3)"] [--precision auto]

``--precision`` (auto, fp32, bf16) is the lab's (``train/precision.py``); commits before it
existed ignore it and train in float32. The JSON names the format each run used.

To compare two commits, run it from each in turn on a quiet machine (it uses only the
lab's public training API, which both share); the closing notes quote such pairs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--policy", default="affine(m=0.3)")
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()

    from augmentlab.data.load import load_dataset
    from augmentlab.data.split import stratified_split
    from augmentlab.policy import parse_policy
    from augmentlab.train.models import build_model
    from augmentlab.train.trainer import TrainConfig, accuracy, train

    torch.set_num_threads(2)  # the lab's default (`--threads`)
    torch.set_flush_denormal(True)
    ds = load_dataset(args.mnist)
    x, y = ds.data, torch.as_tensor(ds.labels)
    policy = parse_policy(args.policy) if args.policy != "none" else None
    model = lambda: build_model("cnn", tuple(x.shape[1:]), 10)  # noqa: E731
    # commits from before the precision option train in float32 and take no such field
    fields = {"precision": args.precision} if "precision" in TrainConfig.__dataclass_fields__ else {}
    train(model, x[:64], y[:64], policy, TrainConfig(steps=5, **fields), 0)  # untimed: first-use imports and kernel loads
    runs = []
    for seed in range(args.seeds):
        train_idx, rest = stratified_split(y, 10, seed)
        test_idx = rest[: args.test_size]
        start = time.perf_counter()
        result = train(model, x[train_idx], y[train_idx], policy, TrainConfig(steps=args.steps, **fields), seed)
        seconds = time.perf_counter() - start
        runs.append({"seed": seed, "seconds": round(seconds, 2), "precision": getattr(result, "precision", "fp32"),
                     "test_accuracy": round(100 * accuracy(result.model, x[test_idx], y[test_idx]), 2)})
    summary = {k: round(statistics.mean(r[k] for r in runs), 2) for k in ("seconds", "test_accuracy")}
    spread = {f"{k}_std": round(statistics.stdev(r[k] for r in runs), 2) if len(runs) > 1 else None for k in ("seconds", "test_accuracy")}
    print(json.dumps({"data": args.mnist, "policy": args.policy, "steps": args.steps, "threads": 2, "runs": runs,
                      "mean": summary, **spread}, indent=2))


if __name__ == "__main__":
    main()
