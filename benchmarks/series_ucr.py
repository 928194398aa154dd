"""The lab on UCR/UEA series with each dataset's own train/test split: window warping and
window slicing evaluated (m = 0.3) and swept, and a search, on ArrowHead, OSULeaf,
BasicMotions and JapaneseVowels; print JSON, and with --table the README's Markdown table.

Every step is the CLI a user would run (`evaluate`, `sweep`, `search` with `--json`) on a
folder holding NAME_TRAIN.ts and NAME_TEST.ts: the model reported on test trains on the
whole training file; sweeps and searches choose on a quarter of every class of it. 3
seeds, 800 steps, the default FCN (width 16), one torch thread per run.

    python benchmarks/series_ucr.py $AUGMENTLAB_DATA --out bench-series [--only ah_sweep_ww,...]
    python benchmarks/series_ucr.py $AUGMENTLAB_DATA --out bench-series --table   # from the JSON already there
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli_jobs import run_cli_jobs

DATASETS = {"ah": "ArrowHead", "osu": "OSULeaf", "bm": "BasicMotions", "jv": "JapaneseVowels"}
OPS = {"ww": "window_warp", "ws": "window_slice"}
MAGNITUDES = "0,0.1,0.3,0.5,1"


def jobs(data: Path) -> dict[str, list[str]]:
    out = {}
    for short, name in DATASETS.items():
        folder = [str(data / "ucr" / name), "--seeds", "3"]
        for op_short, op in OPS.items():
            out[f"{short}_eval_{op_short}"] = ["evaluate", *folder, "--policy", f"{op}(m=0.3)"]
            out[f"{short}_sweep_{op_short}"] = ["sweep", *folder, "--policy", op, "--magnitudes", MAGNITUDES]
        out[f"{short}_search"] = ["search", *folder, "--budget", "12"]
    return out


def _pct(s: dict) -> dict:
    return {"mean": round(100 * s["mean"], 1), "ci95": [round(100 * v, 1) for v in s["ci95"]] if s["ci95"] else None}


def summary(kind: str, r: dict) -> dict:
    if kind == "evaluate":
        return {"policy": r["policy"], "baseline": _pct(r["baseline"]["test_accuracy"]), "augmented": _pct(r["augmented"]["test_accuracy"]),
                "lift": _pct(r["lift"])}
    if kind == "sweep":
        return {"best_magnitude": r["best_magnitude"], "overdone_from": r["overdone_from"],
                "points": {p["magnitude"]: {"val": _pct(p["val_accuracy"]), "test": _pct(p["test_accuracy"])} for p in r["points"]}}
    return {"best_policy": r["best_policy"], "chosen_from": r["chosen_from"], "test": _pct(r["test_accuracy"]),
            "val": _pct(r["val_accuracy"]), "lift_vs_none": _pct(r["lift_vs_none"]), "train_run_equivalents": round(r["train_run_equivalents"], 1),
            "baselines": {k: {"policy": v["policy"], "test": _pct(v["test_accuracy"]), "val": _pct(v["val_accuracy"])}
                          for k, v in r["baselines"].items()}}


def _cell(s: dict) -> str:
    return f"{s['mean']:.1f} [{s['ci95'][0]:.1f}, {s['ci95'][1]:.1f}]" if s["ci95"] else f"{s['mean']:.1f}"


def table(results: dict) -> str:
    """Dataset x {no augmentation, each op at the magnitude its sweep chose, the search}."""
    rows = ["| dataset | no augmentation | window_warp at its sweet spot | window_slice at its sweet spot | search (chosen) |",
            "|---|---|---|---|---|"]
    for short, name in DATASETS.items():
        cells = []
        sweeps = [results.get(f"{short}_sweep_{o}") for o in OPS]
        search = results.get(f"{short}_search")
        if not all(sweeps) or search is None:
            continue
        cells.append(_cell(sweeps[0]["points"][0.0]["test"] if 0.0 in sweeps[0]["points"] else sweeps[0]["points"]["0.0"]["test"]))
        for sweep in sweeps:
            best = sweep["best_magnitude"]
            point = sweep["points"].get(best, sweep["points"].get(str(best)))
            cells.append(f"m = {best:g}: {_cell(point['test'])}")
        cells.append(f"`{search['best_policy']}` ({search['chosen_from']}): {_cell(search['test'])}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder ($AUGMENTLAB_DATA)")
    parser.add_argument("--out", type=Path, default=Path("bench-series"))
    parser.add_argument("--only", default=None, help="comma-separated job names")
    parser.add_argument("--threads", default="1", help="torch threads per run")
    parser.add_argument("--table", action="store_true", help="summarise the JSON files in --out; run nothing")
    args = parser.parse_args()
    todo = jobs(args.data)
    names = args.only.split(",") if args.only else list(todo)
    results = run_cli_jobs(todo, names, args.out, summary, table=args.table, extra=["--threads", args.threads])
    print(json.dumps(results, indent=2))
    if args.table:
        print(table(json.loads(json.dumps(results))))


if __name__ == "__main__":
    main()
