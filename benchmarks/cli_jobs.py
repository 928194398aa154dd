"""What the lab benchmarks share: run each job as the CLI a user would (`--json` into an
output folder, a summary written after every job so a long run that stops keeps what it
measured), or with ``table`` only read the JSON already there."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from augmentlab.io_atomic import atomic_path


def run_cli_jobs(todo: dict[str, list[str]], names: list[str], out: Path, summary, *, table: bool, extra: list[str]) -> dict:
    """``{job: summary(command, its JSON)}`` (with ``seconds`` for the jobs run now)."""
    results = {}
    for name in names:
        path = out / f"{name}.json"
        if not table:
            out.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "augmentlab.cli", *todo[name], "--json", str(path), "--runs", str(out / "runs"),
                            *extra], check=True, stdout=subprocess.DEVNULL)
            results[name] = {"seconds": round(time.perf_counter() - start, 1)}
        elif not path.is_file():
            continue
        results[name] = {**results.get(name, {}), **summary(todo[name][0], json.loads(path.read_text()))}
        if not table:
            with atomic_path(out / f"summary-{names[0]}.json", replace=True) as tmp:
                tmp.write_text(json.dumps(results, indent=2))
    return results
