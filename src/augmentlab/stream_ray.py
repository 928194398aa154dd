"""Streamed augmentation through Ray Data: one row per unit of work, mapped by Ray tasks
that each write their unit's output. On a cluster the input and the output folder must be
on storage every node sees; connect with ``RAY_ADDRESS``, or a local cluster of
``workers`` CPUs is started (and stopped) here."""

from __future__ import annotations

import os

from augmentlab.errors import AugmentlabError


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise AugmentlabError("backend ray needs Ray Data: pip install 'augmentlab[distributed]'", field="backend") from None
    return ray


def run_on_ray(job, workers: int, progress=None) -> list[dict]:
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        if os.environ.get("RAY_ADDRESS"):
            ray.init(log_to_driver=False, logging_level="ERROR")
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        import logging

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # our own bar shows progress; no per-run chatter
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False

        def unit(row: dict) -> dict:
            import torch

            from augmentlab.stream_augment import run_unit

            torch.set_num_threads(1)
            torch.set_flush_denormal(True)
            try:
                return {**run_unit(job, int(row["unit"])), "error": ""}
            except AugmentlabError as e:  # bad input: reported as a row, raised once by the driver
                return {"unit": int(row["unit"]), "output": "", "shard": -1, "start": 0, "stop": 0, "input_sha256": "",
                        "output_sha256": "", "error": str(e)}

        rows = ray.data.from_items([{"unit": i} for i in range(len(job.units))], override_num_blocks=len(job.units))
        results = []
        for row in rows.map(unit, num_cpus=1).iter_rows():
            result = dict(row)
            if result.pop("error"):
                raise AugmentlabError(row["error"])
            results.append(result)
            if progress is not None:
                progress(result["stop"] - result["start"])
        return results
    finally:
        if started:
            ray.shutdown()
