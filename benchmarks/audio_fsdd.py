"""The lab on spoken digits (FSDD) with speakers held out: strength sweeps of an audio
RandAugment for two unseen speakers, SpecAugment, single ops, a test folder of other
speakers, and a search; print JSON.

Every step is the CLI a user would run (`evaluate`, `sweep`, `search` with `--json`). The
protocol: train on the other five speakers at 10 clips per digit, validation from their
remaining clips, test on all 500 clips of the held-out speaker, 3 seeds, 800 steps.

    python benchmarks/audio_fsdd.py $AUGMENTLAB_DATA --out bench-audio [--only sweep_theo,...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from augmentlab.io_atomic import atomic_path

PATTERN = ["--label-from", "{label}_{group}_{_}"]
SINGLE_OPS = ("time_stretch(m=0.5)", "pitch_shift(m=0.5)", "speed(m=0.5)", "noise(m=0.5)")


def split_by_speaker(recordings: Path, speaker: str, out: Path) -> tuple[Path, Path]:
    """Two folders of links: every speaker but ``speaker``, and ``speaker`` alone."""
    rest, held = out / f"without_{speaker}", out / f"only_{speaker}"
    for folder in (rest, held):
        folder.mkdir(parents=True, exist_ok=True)
    for clip in sorted(recordings.glob("*.wav")):
        target = (held if clip.stem.split("_")[1] == speaker else rest) / clip.name
        if not target.exists():
            target.symlink_to(clip.resolve())
    return rest, held


def jobs(data: Path, scratch: Path) -> dict[str, list[str]]:
    fsdd = [str(data / "fsdd" / "recordings"), *PATTERN, "--per-class", "10", "--seeds", "3"]
    theo = [*fsdd, "--test-groups", "theo"]
    out = {
        "sweep_theo": ["sweep", *theo, "--policy", "rand-n2-m0.5", "--magnitudes", "0,0.25,0.5,0.75,1"],
        "sweep_nicolas": ["sweep", *fsdd, "--test-groups", "nicolas", "--policy", "rand-n2-m0.5", "--magnitudes", "0,0.25,0.5,0.75,1"],
        "specaugment_lb_theo": ["evaluate", *theo, "--policy", "specaugment-lb"],
        "search_theo": ["search", *theo, "--budget", "8"],
    }
    for op in SINGLE_OPS:
        out[f"op_{op.split('(')[0]}_theo"] = ["evaluate", *theo, "--policy", op]
    if scratch is not None:
        rest, held = split_by_speaker(data / "fsdd" / "recordings", "theo", scratch)
        out["test_folder_theo"] = ["evaluate", str(rest), *PATTERN, "--per-class", "10", "--seeds", "3", "--policy", "rand-n2-m0.5",
                                   "--test", str(held)]
    return out


def summary(kind: str, r: dict) -> dict:
    pct = lambda s: {k: round(100 * s[k], 2) for k in ("mean", "std")} | {"ci95": [round(100 * v, 2) for v in s["ci95"]]}  # noqa: E731
    if kind == "evaluate":
        return {"policy": r["policy"], "baseline": pct(r["baseline"]["test_accuracy"]), "augmented": pct(r["augmented"]["test_accuracy"]),
                "baseline_val": pct(r["baseline"]["val_accuracy"]), "augmented_val": pct(r["augmented"]["val_accuracy"]),
                "lift": pct(r["lift"])}
    if kind == "sweep":
        return {"best_magnitude": r["best_magnitude"], "overdone_from": r["overdone_from"],
                "points": {p["magnitude"]: {"val": pct(p["val_accuracy"]), "test": pct(p["test_accuracy"])} for p in r["points"]}}
    return {"best_policy": r["best_policy"], "chosen_from": r["chosen_from"], "test": pct(r["test_accuracy"]),
            "lift_vs_none": pct(r["lift_vs_none"]), "train_run_equivalents": r["train_run_equivalents"],
            "baselines": {k: {"policy": v["policy"], **pct(v["test_accuracy"])} for k, v in r["baselines"].items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder ($AUGMENTLAB_DATA)")
    parser.add_argument("--out", type=Path, default=Path("bench-audio"))
    parser.add_argument("--only", default=None, help="comma-separated job names")
    parser.add_argument("--threads", default="1", help="torch threads per run")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    todo = jobs(args.data, args.out / "speakers")
    names = args.only.split(",") if args.only else list(todo)
    results = {}
    for name in names:
        out = args.out / f"{name}.json"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "augmentlab.cli", *todo[name], "--json", str(out), "--runs", str(args.out / "runs"),
                        "--threads", args.threads], check=True, stdout=subprocess.DEVNULL)
        results[name] = {"seconds": round(time.perf_counter() - start, 1), **summary(todo[name][0], json.loads(out.read_text()))}
        # Written after every job, so a long run that stops keeps what it measured.
        with atomic_path(args.out / f"summary-{names[0]}.json", replace=True) as tmp:
            tmp.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
