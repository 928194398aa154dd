"""Run directories: every run writes its resolved config, seed(s), version and results."""

from __future__ import annotations

import json
import time
from pathlib import Path

from augmentlab import __version__
from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path


def new_run_dir(base: str | Path, command: str) -> Path:
    """A fresh ``base/<command>-<timestamp>[-n]`` directory."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(base)
    for n in range(1000):
        path = base / (f"{command}-{stamp}" + (f"-{n}" if n else ""))
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise AugmentlabError(f"could not create a new run directory under {base}: 1000 exist for this second")


def write_json(path: str | Path, data, *, replace: bool = False) -> None:
    """Write ``data`` as JSON atomically; an existing file is replaced only with ``replace``."""
    with atomic_path(path, replace=replace) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")


def write_run(run_dir: Path, command: str, config: dict, results: dict) -> None:
    """The run's config and results, in its own directory (rewritten when asked again)."""
    write_json(run_dir / "config.json", {"command": command, "augmentlab_version": __version__, **config}, replace=True)
    write_json(run_dir / "results.json", results, replace=True)
