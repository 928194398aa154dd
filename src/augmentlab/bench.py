"""Throughput of the standard pipeline, side by side with albumentations, kornia and a
plain memory copy, on one CPU thread.

Every library streams batches out of the same pool of random uint8 images, sized like a
real dataset (larger than the CPU caches), in its own native layout: augmentlab and kornia
take (B, C, H, W) tensors, albumentations takes H x W x C arrays one at a time. The memory
copy copies the same batches and is the ceiling.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from augmentlab.policy import Sequential
from augmentlab.ops.registry import create_op

# (image size, images in the pool, batch size): pools of ~100 MB and ~77 MB.
SIZES = {32: (32768, 256), 224: (512, 64)}


def standard_policy():
    """h-flip p=0.5, pad-4 random crop, rotate ±15°, brightness/contrast ±0.2."""
    return Sequential([create_op("hflip", p=0.5), create_op("pad_crop", pad=4), create_op("rotate", m=15 / 90),
                       create_op("brightness", m=0.2), create_op("contrast", m=0.2)])


def flip_crop_policy():
    return Sequential([create_op("hflip", p=0.5), create_op("pad_crop", pad=4)])


def _timed(step: Callable[[int], int], n_batches: int, seconds: float) -> float:
    """Images per second of ``step(i) -> images done``, run for at least ``seconds``."""
    step(0)  # warm-up (JIT compilation, allocations)
    done, i, start = 0, 0, time.perf_counter()
    while True:
        done += step(i % n_batches)
        i += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _albumentations(pipeline: str, size: int):
    try:
        import albumentations as A
        import cv2
    except ImportError:
        return None
    ops = [A.HorizontalFlip(p=0.5), A.PadIfNeeded(size + 8, size + 8, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0), A.RandomCrop(size, size, p=1.0)]
    if pipeline == "standard":
        ops += [A.Rotate(limit=15, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0), A.RandomBrightnessContrast(0.2, 0.2, p=1.0)]
    return A.Compose(ops, seed=0)


def _kornia(pipeline: str, size: int):
    try:
        import kornia.augmentation as K
    except ImportError:
        return None
    ops = [K.RandomHorizontalFlip(p=0.5), K.RandomCrop((size, size), padding=4, p=1.0)]
    if pipeline == "standard":
        ops += [K.RandomRotation(15.0, p=1.0), K.ColorJitter(brightness=0.2, contrast=0.2, p=1.0)]
    return torch.nn.Sequential(*ops)


def run_bench(seconds: float = 2.0, sizes=(32, 224), libraries=("augmentlab", "albumentations", "kornia", "memcpy")) -> dict:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    import cv2

    cv2.setNumThreads(1)
    results = []
    for size in sizes:
        n, bs = SIZES[size]
        pool = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (n, 3, size, size), dtype=np.uint8))
        pool_hwc = pool.permute(0, 2, 3, 1).contiguous().numpy()
        n_batches = n // bs
        batch = lambda i: pool[i * bs : (i + 1) * bs]  # noqa: E731
        for pipeline in ("standard", "flip_crop"):
            for lib in libraries:
                rate = None
                if lib == "augmentlab":
                    policy = standard_policy() if pipeline == "standard" else flip_crop_policy()
                    g = torch.Generator().manual_seed(0)
                    rate = _timed(lambda i: len(policy(batch(i), g)), n_batches, seconds)
                elif lib == "memcpy":
                    rate = _timed(lambda i: len(batch(i).clone()), n_batches, seconds)
                elif lib == "albumentations":
                    aug = _albumentations(pipeline, size)
                    if aug is not None:
                        def step(i, aug=aug):
                            for im in pool_hwc[i * bs : (i + 1) * bs]:
                                aug(image=im)
                            return bs
                        rate = _timed(step, n_batches, seconds)
                elif lib == "kornia":
                    aug = _kornia(pipeline, size)
                    if aug is not None:
                        def step(i, aug=aug):
                            with torch.no_grad():
                                y = aug(batch(i).float() / 255.0)
                            return len((y * 255).round().to(torch.uint8))
                        rate = _timed(step, n_batches, seconds)
                if rate is not None:
                    results.append({"library": lib, "pipeline": pipeline, "size": size, "images_per_second": round(rate, 1)})
    return {"threads": 1, "seconds_per_measurement": seconds, "results": results, "ratios": _ratios(results)}


def _ratios(results: list[dict]) -> dict:
    by = {(r["library"], r["pipeline"], r["size"]): r["images_per_second"] for r in results}
    out = {}
    for (lib, pipeline, size), rate in by.items():
        if lib != "augmentlab":
            continue
        for other in ("albumentations", "kornia", "memcpy"):
            if (other, pipeline, size) in by:
                out[f"{pipeline}_{size}_vs_{other}"] = round(rate / by[(other, pipeline, size)], 3)
    return out
