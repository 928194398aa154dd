"""EDA on SST-2 and AG News under the lab's protocol, for the default and a from-scratch
model, with and without the similarity filter; an α sweep and a search; print JSON.

Every step is the CLI a user would run (`evaluate`, `sweep`, `search` with `--json`), so
the numbers are the ones a user gets. Test sets are the datasets' own test files.

    python benchmarks/text_augmentation.py $AUGMENTLAB_DATA --out bench-text [--only sst2_minilm,...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from augmentlab.io_atomic import atomic_path

EDA = "eda(m=0.05,copies=16)"


def jobs(data: Path) -> dict[str, list[str]]:
    sst2 = [str(data / "sst2"), "--per-class", "250", "--test", str(data / "sst2" / "test.tsv")]
    ag = [str(data / "agnews"), "--per-class", "100", "--test", str(data / "agnews" / "test.tsv")]
    return {
        "sst2_minilm": ["evaluate", *sst2, "--policy", EDA, "--seeds", "5"],
        "sst2_minilm_filter": ["evaluate", *sst2, "--policy", EDA, "--seeds", "5", "--min-similarity", "0.8"],
        "sst2_tfidf": ["evaluate", *sst2, "--policy", EDA, "--seeds", "5", "--model", "tfidf"],
        "sst2_textcnn": ["evaluate", *sst2, "--policy", EDA, "--seeds", "5", "--model", "textcnn"],
        "agnews_minilm": ["evaluate", *ag, "--policy", EDA, "--seeds", "5"],
        "agnews_textcnn": ["evaluate", *ag, "--policy", EDA, "--seeds", "5", "--model", "textcnn"],
        "sst2_sweep": ["sweep", *sst2, "--policy", "eda(copies=16)", "--magnitudes", "0,0.05,0.1,0.2,0.3,0.5", "--seeds", "3"],
        "sst2_search": ["search", *sst2, "--budget", "12", "--seeds", "3"],
    }


def summary(kind: str, r: dict) -> dict:
    pct = lambda s: {k: round(100 * s[k], 2) for k in ("mean", "std")} | {"ci95": [round(100 * v, 2) for v in s["ci95"]]}  # noqa: E731
    if kind == "evaluate":
        runs = r["augmented"]["runs"]
        filt = [x["text_augmentation"] for x in runs]
        return {"model": r["protocol"]["model"] or "minilm", "baseline": pct(r["baseline"]["test_accuracy"]),
                "augmented": pct(r["augmented"]["test_accuracy"]), "lift": pct(r["lift"]),
                "dropped_by_filter": [f["dropped"] for f in filt], "copies_made": [f["augmented"] for f in filt]}
    if kind == "sweep":
        return {"best_magnitude": r["best_magnitude"], "overdone_from": r["overdone_from"],
                "points": {p["magnitude"]: {"val": pct(p["val_accuracy"]), "test": pct(p["test_accuracy"])} for p in r["points"]}}
    return {"best_policy": r["best_policy"], "chosen_from": r["chosen_from"], "test": pct(r["test_accuracy"]),
            "lift_vs_none": pct(r["lift_vs_none"]),
            "baselines": {k: pct(v["test_accuracy"]) for k, v in r["baselines"].items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder ($AUGMENTLAB_DATA)")
    parser.add_argument("--out", type=Path, default=Path("bench-text"))
    parser.add_argument("--only", default=None, help="comma-separated job names")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    todo = jobs(args.data)
    names = args.only.split(",") if args.only else list(todo)
    results = {}
    for name in names:
        out = args.out / f"{name}.json"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "augmentlab.cli", *todo[name], "--json", str(out), "--runs", str(args.out / "runs")],
                       check=True, stdout=subprocess.DEVNULL)
        results[name] = {"seconds": round(time.perf_counter() - start, 1), **summary(todo[name][0], json.loads(out.read_text()))}
        # Written after every job, so a long run that stops keeps what it measured.
        with atomic_path(args.out / "summary.json") as tmp:
            tmp.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
