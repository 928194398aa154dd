"""Run the CLI as a user would (a subprocess) and check what a hostile input must get:
exit 2, one line naming the problem, no traceback, nothing written, inputs unchanged and
no temporary files left behind."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 120  # seconds; a hang is a failure, not a stuck suite


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip() and not line.startswith("note: ")]


def cli(*args, cwd: Path, env: dict | None = None, timeout: float = TIMEOUT, umask: int | None = None) -> Result:
    cmd = [sys.executable, "-c", "from augmentlab.cli import main; main()", *map(str, args)]
    run_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    p = subprocess.run(cmd, cwd=cwd, env=run_env, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=None if umask is None else (lambda: os.umask(umask)))
    return Result(p.returncode, p.stdout, p.stderr)


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a hash of its bytes (folders and links marked)."""
    seen = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            seen[rel] = "link:" + os.readlink(p)
        elif p.is_dir():
            seen[rel] = "dir"
        else:
            seen[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return seen


def assert_refused(result: Result, needle: str, before: dict, root: Path) -> None:
    """Exit 2, one error line holding ``needle``, no traceback, and ``root`` exactly as
    it was (nothing written, changed or deleted; no temporary files)."""
    assert "Traceback" not in result.err, result.err
    assert result.code == 2, (result.code, result.err)
    lines = result.error_lines
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert needle.lower() in lines[0].lower(), (needle, lines[0])
    assert len(lines[0]) < 400, lines[0]
    assert snapshot(root) == before, "the command changed files it was refused to touch"
