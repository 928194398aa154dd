"""Throughput of the image pipelines on an accelerator (``bench --device cuda``): augmentlab
next to kornia and a device-to-device copy, on batches already resident on the device.

Every library reads the same pool of random uint8 images, kept on the device and larger
than its caches; each step waits for the device to finish (``synchronize``), so a rate
counts finished images, not queued launches. The parameters are drawn on the CPU, as in
training, and moved with the batch's kernels. Flip + crop is also given as a share of the
copy rate: the copy reads and writes every byte once, which is all flip + crop must do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from augmentlab.bench import image_rows, kornia_pipeline, pipeline_policy

# (image size, images in the pool, batch size): pools of 200 MB and 300 MB, beyond any
# device cache, and batches large enough to fill a GPU.
DEVICE_SIZES = {32: (65536, 4096), 224: (2048, 256)}


def _synchronizer(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    if device.type == "mps":
        return torch.mps.synchronize
    return lambda: None


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return device.type


def _device_steps(pipeline: str, size: int, pool: torch.Tensor, batch: int, sync: Callable[[], None]) -> dict:
    """``step(i) -> images done`` for augmentlab, kornia (when installed) and a copy."""
    take = lambda i: pool[i * batch : (i + 1) * batch]  # noqa: E731
    policy, g = pipeline_policy(pipeline), torch.Generator().manual_seed(0)

    def ours(i):
        n = len(policy(take(i), g))
        sync()
        return n

    def copy(i):
        n = len(take(i).clone())
        sync()
        return n

    steps = {"augmentlab": ours, "memcpy": copy}
    if (aug := kornia_pipeline(pipeline, size)) is not None:
        aug = aug.to(pool.device)

        def theirs(i):
            with torch.no_grad():
                y = aug(take(i).float() / 255.0)
                n = len((y * 255).round().to(torch.uint8))
            sync()
            return n

        steps["kornia"] = theirs
    return steps


def run_device_bench(device: torch.device, seconds: float = 2.0, sizes=(32, 224), rounds: int = 5, pools=None) -> dict:
    """Images per second of each pipeline on ``device``: interleaved rounds, their median;
    ``pools`` overrides ``DEVICE_SIZES`` (tests use small ones)."""
    sync = _synchronizer(device)
    results = []
    for size in sizes:
        n, batch = (pools or DEVICE_SIZES)[size]
        pool = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (n, 3, size, size), dtype=np.uint8)).to(device)
        for pipeline in ("standard", "flip_crop"):
            results += image_rows(_device_steps(pipeline, size, pool, batch, sync), n // batch, seconds, rounds, pipeline, size, batch)
        del pool
    return {"device": str(device), "device_name": device_name(device), "seconds_per_measurement": seconds, "rounds": rounds,
            "results": results, "ratios": _device_ratios(results)}


def _device_ratios(results: list[dict]) -> dict:
    """augmentlab over kornia per pipeline and size, and flip + crop over the copy."""
    by = {(r["library"], r["pipeline"], r["size"]): r["items_per_second"] for r in results}
    out = {}
    for (lib, pipeline, size), rate in by.items():
        if lib != "augmentlab":
            continue
        for other in ("kornia", "memcpy"):
            if (other, pipeline, size) in by and (other == "kornia" or pipeline == "flip_crop"):
                out[f"{pipeline}_{size}_vs_{other}"] = round(rate / by[(other, pipeline, size)], 3)
    return out
