"""The lab on the HMDA mortgage table (deny, about 12 % yes): oversampling and row
augmentation against the tuned baseline, by PR-AUC of the denials; print JSON, and with
--table the README's Markdown table.

Every step is the CLI a user would run (`evaluate` and `search` with `--json`): 1,000
training rows drawn keeping the class ratio, validation and test from the rest, 5 seeds
(search: 3), classes weighted by inverse frequency and, for the decision metrics, the
threshold tuned on validation, in every arm. `gaussian_noise(m=0)` is the control: every
training row seen twice, unchanged. The synthetic arms add as many rows from a copula or a
TVAE fitted on each seed's training rows (`synth fit --train-size 1000 --split-seed S`).

    python benchmarks/table_hdma.py $AUGMENTLAB_DATA --out bench-table [--only hgb_smotenc_05,...]
    python benchmarks/table_hdma.py $AUGMENTLAB_DATA --out bench-table --table   # from the JSON already there
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli_jobs import run_cli_jobs

POLICIES = {"smotenc_05": "smotenc(m=0.5)", "smotenc_1": "smotenc(m=1)", "repeat": "gaussian_noise(m=0)",
            "noise": "gaussian_noise(m=0.5)", "swap": "swap_noise(m=0.5)", "mask": "feature_mask(m=0.3)", "mixup": "mixup(m=0.4)"}
MODELS = ("hgb", "logistic")
GENERATORS = ("copula", "tvae")
SEEDS = 5


def checkpoints(data: Path, out: Path, generator: str) -> list[Path]:
    """One checkpoint per seed, fitted on that seed's training rows (fitted once, kept)."""
    import subprocess
    import sys

    paths = []
    for seed in range(SEEDS):
        path = out / "checkpoints" / f"{generator}-{seed}.safetensors"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "augmentlab.cli", "synth", "fit", str(data / "tabular" / "hdma.csv"), "--target", "deny",
                            "--model", generator, "--train-size", "1000", "--split-seed", str(seed), "--out", str(path),
                            "--threads", "1"], check=True, stdout=subprocess.DEVNULL)
        paths.append(path)
    return paths


def jobs(data: Path, out: Path | None = None) -> dict[str, list[str]]:
    """The commands by job name; with ``out``, the synthetic jobs' checkpoints are fitted there first."""
    table = [str(data / "tabular" / "hdma.csv"), "--target", "deny", "--train-size", "1000", "--metric", "pr_auc"]
    todo = {f"{model}_{short}": ["evaluate", *table, "--policy", spec, "--seeds", str(SEEDS), "--model", model]
            for model in MODELS for short, spec in POLICIES.items()}
    for generator in GENERATORS:
        paths = ",".join(map(str, checkpoints(data, out, generator))) if out is not None else "CHECKPOINTS"
        todo[f"hgb_{generator}"] = ["evaluate", *table, "--policy", "none", "--seeds", str(SEEDS), "--synthetic", paths,
                                    "--synthetic-ratio", "1"]
    todo["hgb_search"] = ["search", *table, "--budget", "12", "--seeds", "3"]
    return todo


def _points(s: dict) -> dict:
    return {"mean": round(100 * s["mean"], 1), "ci95": [round(100 * v, 1) for v in s["ci95"]] if s["ci95"] else None}


def summary(kind: str, r: dict) -> dict:
    if kind == "evaluate" and "synthetic" in r:
        arm = r["synthetic"]
        return {"policy": f"{arm['model']} rows, ratio {arm['ratio']:g}", "metric": r["metric"],
                "baseline": _points(r["baseline"]["test_accuracy"]), "augmented": _points(arm["test_accuracy"]),
                "lift": _points(arm["lift_vs_none"]), "test_runs": [run["test_accuracy"] for run in arm["runs"]]}
    if kind == "evaluate":
        return {"policy": r["policy"], "metric": r["metric"], "baseline": _points(r["baseline"]["test_accuracy"]),
                "augmented": _points(r["augmented"]["test_accuracy"]), "lift": _points(r["lift"]),
                "test_runs": [run["test_accuracy"] for run in r["augmented"]["runs"]]}
    return {"best_policy": r["best_policy"], "chosen_from": r["chosen_from"], "test": _points(r["test_accuracy"]),
            "val": _points(r["val_accuracy"]), "lift_vs_none": _points(r["lift_vs_none"]),
            "train_run_equivalents": round(r["train_run_equivalents"], 1),
            "baselines": {k: {"policy": v["policy"], "test": _points(v["test_accuracy"]), "val": _points(v["val_accuracy"])}
                          for k, v in r["baselines"].items()}}


def _cell(s: dict, sign: str = "") -> str:
    return f"{s['mean']:{sign}.1f} [{s['ci95'][0]:{sign}.1f}, {s['ci95'][1]:{sign}.1f}]" if s["ci95"] else f"{s['mean']:.1f}"


def table(results: dict) -> str:
    """One row per evaluate job; row ops and synthetic rows (which add as many rows as the
    training set has) are also set against the control: the same rows repeated unchanged,
    paired by seed."""
    from augmentlab.train.stats import paired

    rows = ["| model | policy | tuned baseline | with the policy | paired lift | against repeating the rows |",
            "|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "lift" in r:
            model, short = name.split("_", 1)
            policy = f"`{POLICIES[short]}`" if short in POLICIES else r["policy"]
            control = results.get(f"{model}_repeat")
            versus = ""
            if control and short not in ("repeat", "smotenc_05", "smotenc_1") and "test_runs" in r:
                versus = _cell(_points(paired(control["test_runs"], r["test_runs"])), "+")
            rows.append(f"| {model} | {policy} | {_cell(r['baseline'])} | {_cell(r['augmented'])} | "
                        f"{_cell(r['lift'], '+')} | {versus} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder ($AUGMENTLAB_DATA)")
    parser.add_argument("--out", type=Path, default=Path("bench-table"))
    parser.add_argument("--only", default=None, help="comma-separated job names")
    parser.add_argument("--table", action="store_true", help="summarise the JSON files in --out; run nothing")
    args = parser.parse_args()
    todo = jobs(args.data, None if args.table else args.out)
    names = args.only.split(",") if args.only else list(todo)
    results = run_cli_jobs(todo, names, args.out, summary, table=args.table, extra=["--threads", "1", "--overwrite"])
    print(json.dumps(results, indent=2))
    if args.table:
        print(table(results))


if __name__ == "__main__":
    main()
