"""Peak memory of a command and every process it starts, sampled every 20 ms from /proc
(Linux): PSS summed over the tree (a page shared by forked workers counts once, split
among them), RSS summed (counted once per process), and the command's own RSS."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB (0, 0 once it is gone)."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    except (OSError, ValueError):
        return 0, 0
    return int(fields["Pss"].split()[0]), int(fields["Rss"].split()[0])


def measured(command: list[str]) -> dict:
    """Run ``command``; its wall time and peak memory (of it and all its descendants)."""
    peak = {"pss": 0, "rss": 0, "main": 0}
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree, pids, todo = _children(), [], [proc.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += tree.get(pid, [])
            sizes = [_memory(pid) for pid in pids]
            peak["pss"] = max(peak["pss"], sum(p for p, _ in sizes))
            peak["rss"] = max(peak["rss"], sum(r for _, r in sizes))
            peak["main"] = max(peak["main"], sizes[0][1])
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-2000:]}")
    return {"seconds": round(time.perf_counter() - start, 1), "peak_pss_mb": round(peak["pss"] / 1024),
            "peak_rss_mb": round(peak["rss"] / 1024), "peak_rss_main_mb": round(peak["main"] / 1024)}


