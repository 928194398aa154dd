"""Throughput of the standard pipeline, side by side with albumentations, kornia and a
plain memory copy, on one CPU thread.

Every library streams batches out of the same pool of random uint8 images, sized like a
real dataset (larger than the CPU caches), in its own native layout: augmentlab and kornia
take (B, C, H, W) tensors, albumentations takes H x W x C arrays one at a time. The memory
copy copies the same batches and is the ceiling.

``threads > 1`` adds augmentlab's own throughput at 1..threads torch threads (the peers stay
on one: albumentations works one image at a time in Python).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np
import torch

from augmentlab.ops.registry import create_op
from augmentlab.policy import Sequential

# (image size, images in the pool, batch size): pools of ~100 MB and ~77 MB, larger than
# the CPU caches. 1024 small images per batch as in airbench (the fastest CIFAR-10 trainer).
SIZES = {32: (32768, 1024), 224: (512, 64)}
# Smaller batches also measured, where per-batch overhead would show: (pipeline, size, batch).
EXTRA_BATCHES = (("flip_crop", 32, 256),)


def standard_policy():
    """h-flip p=0.5, pad-4 random crop, rotate ±15°, brightness/contrast ±0.2."""
    return Sequential([create_op("hflip", p=0.5), create_op("pad_crop", pad=4), create_op("rotate", m=15 / 90),
                       create_op("brightness", m=0.2), create_op("contrast", m=0.2)])


def flip_crop_policy():
    return Sequential([create_op("hflip", p=0.5), create_op("pad_crop", pad=4)])


def pipeline_policy(pipeline: str):
    return standard_policy() if pipeline == "standard" else flip_crop_policy()


def _timed(step: Callable[[int], int], n_batches: int, seconds: float) -> float:
    """Images per second of ``step(i) -> images done``, run for at least ``seconds``."""
    step(0)  # warm-up (JIT compilation, allocations)
    done, i = 0, int(time.perf_counter_ns()) % n_batches  # start somewhere else each round
    start = time.perf_counter()
    while True:
        done += step(i % n_batches)
        i += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def albumentations_pipeline(pipeline: str, size: int):
    try:
        import albumentations as A
        import cv2
    except ImportError:
        return None
    ops = [A.HorizontalFlip(p=0.5), A.PadIfNeeded(size + 8, size + 8, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0), A.RandomCrop(size, size, p=1.0)]
    if pipeline == "standard":
        ops += [A.Rotate(limit=15, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0), A.RandomBrightnessContrast(0.2, 0.2, p=1.0)]
    return A.Compose(ops, seed=0)


def kornia_pipeline(pipeline: str, size: int):
    try:
        import kornia.augmentation as K
    except ImportError:
        return None
    ops = [K.RandomHorizontalFlip(p=0.5), K.RandomCrop((size, size), padding=4, p=1.0)]
    if pipeline == "standard":
        ops += [K.RandomRotation(15.0, p=1.0), K.ColorJitter(brightness=0.2, contrast=0.2, p=1.0)]
    return torch.nn.Sequential(*ops)


def _steps(pipeline: str, size: int, pool: torch.Tensor, pool_hwc: np.ndarray, bs: int, libraries) -> dict:
    """One ``step(i) -> images done`` per available library, each processing batch i."""
    batch = lambda i: pool[i * bs : (i + 1) * bs]  # noqa: E731
    steps = {}
    for lib in libraries:
        if lib == "augmentlab":
            policy = pipeline_policy(pipeline)
            g = torch.Generator().manual_seed(0)
            steps[lib] = lambda i, policy=policy, g=g: len(policy(batch(i), g))
        elif lib == "memcpy":
            steps[lib] = lambda i: len(batch(i).clone())
        elif lib == "albumentations" and (aug := albumentations_pipeline(pipeline, size)) is not None:
            def step(i, aug=aug):
                for im in pool_hwc[i * bs : (i + 1) * bs]:
                    aug(image=im)
                return bs
            steps[lib] = step
        elif lib == "kornia" and (aug := kornia_pipeline(pipeline, size)) is not None:
            def step(i, aug=aug):
                with torch.no_grad():
                    y = aug(batch(i).float() / 255.0)
                return len((y * 255).round().to(torch.uint8))
            steps[lib] = step
    return steps


def run_bench(seconds: float = 2.0, sizes=(32, 224), libraries=("augmentlab", "albumentations", "kornia", "memcpy"), rounds: int = 5,
              audio: bool = True, detection: bool = True, series: bool = True, threads: int = 1) -> dict:
    """Images (and clips) per second per library; each library runs ``rounds`` interleaved
    rounds of ``seconds / rounds`` and reports the median, so machine drift hits all alike."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    import cv2

    cv2.setNumThreads(1)
    try:
        results, scaling = [], []
        for size in sizes:
            n, bs = SIZES[size]
            pool = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (n, 3, size, size), dtype=np.uint8))
            pool_hwc = pool.permute(0, 2, 3, 1).contiguous().numpy()
            cases = [(p, bs) for p in ("standard", "flip_crop")] + [(p, b) for p, sz, b in EXTRA_BATCHES if sz == size]
            for pipeline, batch in cases:
                steps = _steps(pipeline, size, pool, pool_hwc, batch, libraries)
                results += image_rows(steps, n // batch, seconds, rounds, pipeline, size, batch)
                if threads > 1 and batch == bs:
                    scaling += _thread_rows(pipeline, size, pool, batch, threads, seconds, rounds)
        if audio:
            results += _audio(seconds, rounds)
        if detection:
            results += _detection(seconds, rounds)
        if series:
            results += _series(seconds, rounds)
        out = {"threads": 1, "seconds_per_measurement": seconds, "rounds": rounds, "results": results,
               "ratios": _ratios(results), "distortion": _distortion(seconds, rounds) if 224 in sizes else []}
        if threads > 1:
            out["thread_scaling"] = {"rows": scaling, "ratios": _scaling_ratios(scaling), "machine_ceiling": simd_ceiling(threads, rounds)}
        return out
    finally:
        torch.set_num_threads(before)


def image_rows(steps: dict, n_batches: int, seconds: float, rounds: int, pipeline: str, size: int, batch: int) -> list[dict]:
    return [{**row, "images_per_second": row["items_per_second"]} for row in timed_rows(steps, n_batches, seconds, rounds, pipeline, size, batch)]


def _thread_rows(pipeline: str, size: int, pool: torch.Tensor, batch: int, threads: int, seconds: float, rounds: int) -> list[dict]:
    """augmentlab alone at 1..threads torch threads, interleaved like the peers' rounds."""
    policy = pipeline_policy(pipeline)
    g = torch.Generator().manual_seed(0)

    def at(t):
        def step(i):
            torch.set_num_threads(t)
            try:
                return len(policy(pool[i * batch : (i + 1) * batch], g))
            finally:
                torch.set_num_threads(1)
        return step

    steps = {t: at(t) for t in range(1, threads + 1)}
    rows = timed_rows(steps, len(pool) // batch, seconds, rounds, pipeline, size, batch)
    return [{"threads": row.pop("library"), **row} for row in rows]


@numba.njit(nogil=True, fastmath=True)
def _fma_loop(a, reps):
    for _ in range(reps):
        for i in range(a.size):
            a[i] = a[i] * np.float32(0.999) + np.float32(0.001)
    return a[0]


def simd_ceiling(threads: int, rounds: int = 5, reps: int = 200_000) -> dict:
    """What more threads give this machine on vectorised arithmetic that never leaves L1:
    ``threads`` copies of an FMA loop, one after another on one thread, then one per thread
    (median of ``rounds``). No kernel with memory traffic should scale better. Where two
    logical CPUs share one core's vector units (SMT, or a VM placed so), this stays well
    below ``threads``: 1.5-1.6x with 2 threads on this project's machines."""
    from concurrent.futures import ThreadPoolExecutor

    arrays = [np.ones(4096, np.float32) for _ in range(threads)]  # 16 KB each
    _fma_loop(arrays[0], 1)  # compile
    ratios = []
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(rounds):
            start = time.perf_counter()
            for a in arrays:
                _fma_loop(a, reps)
            serial = time.perf_counter() - start
            start = time.perf_counter()
            list(pool.map(lambda a: _fma_loop(a, reps), arrays))
            ratios.append(serial / (time.perf_counter() - start))
    return {"threads": threads, "l1_fma_speedup": round(float(np.median(ratios)), 3)}


def _scaling_ratios(rows: list[dict]) -> dict:
    one = {(r["pipeline"], r["size"]): r["items_per_second"] for r in rows if r["threads"] == 1}
    return {f"{r['pipeline']}_{r['size']}_threads_{r['threads']}_vs_1": round(r["items_per_second"] / one[(r["pipeline"], r["size"])], 3)
            for r in rows if r["threads"] > 1}


def _distortion(seconds: float, rounds: int) -> list[dict]:
    """Elastic and grid distortion at 224x224 against albumentations (kornia's elastic ran
    at about 2 images/s here, too slow to include)."""
    n, bs = SIZES[224]
    pool = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (n, 3, 224, 224), dtype=np.uint8))
    pool_hwc = pool.permute(0, 2, 3, 1).contiguous().numpy()
    out = []
    for name, alb in (("elastic", "ElasticTransform"), ("grid_distortion", "GridDistortion")):
        op = create_op(name, m=0.5)
        g = torch.Generator().manual_seed(0)
        steps = {"augmentlab": lambda i, op=op, g=g: len(op(pool[i * bs : (i + 1) * bs], g))}
        try:
            import albumentations as A

            aug = getattr(A, alb)(p=1.0)

            def step(i, aug=aug):
                for im in pool_hwc[i * bs : (i + 1) * bs]:
                    aug(image=im)
                return bs

            steps["albumentations"] = step
        except ImportError:
            pass
        rates: dict[str, list[float]] = {lib: [] for lib in steps}
        for _ in range(rounds):
            for lib, fn in steps.items():
                rates[lib].append(_timed(fn, n // bs, seconds / rounds))
        for lib, r in rates.items():
            out.append({"library": lib, "op": name, "size": 224, "images_per_second": round(float(np.median(r)), 1)})
    return out


def timed_rows(steps: dict, n_batches: int, seconds: float, rounds: int, pipeline: str, size: int, batch: int) -> list[dict]:
    """Each library's items per second on one pipeline: interleaved rounds, their median."""
    rates: dict[str, list[float]] = {lib: [] for lib in steps}
    for _ in range(rounds):
        for lib, step in steps.items():
            rates[lib].append(_timed(step, n_batches, seconds / rounds))
    return [{"library": lib, "pipeline": pipeline, "size": size, "batch_size": batch, "items_per_second": round(float(np.median(r)), 1),
             "min": round(min(r), 1), "max": round(max(r), 1)} for lib, r in rates.items()]


def _audio(seconds: float, rounds: int) -> list[dict]:
    """The audio pipeline's rows (bench_audio.py): clips per second."""
    from augmentlab.bench_audio import BATCH, CLIP, audio_steps

    steps, n_batches = audio_steps(("augmentlab", "audiomentations", "memcpy"))
    return timed_rows(steps, n_batches, seconds, rounds, "audio", CLIP, BATCH)


def _series(seconds: float, rounds: int) -> list[dict]:
    """The series pipeline's rows (bench_series.py): series per second."""
    from augmentlab.bench_series import BATCH, LENGTH, series_steps

    steps, n_batches = series_steps(("augmentlab", "tsaug", "memcpy"))
    return timed_rows(steps, n_batches, seconds, rounds, "series", LENGTH, BATCH)


def _detection(seconds: float, rounds: int) -> list[dict]:
    """The detection pipeline's rows (bench_detection.py): images with boxes and a mask per second."""
    from augmentlab.bench_detection import BATCH, SIZE, detection_steps

    steps, n_batches = detection_steps(("augmentlab", "albumentations"))
    return image_rows(steps, n_batches, seconds, rounds, "detection", SIZE, BATCH)


def _ratios(results: list[dict]) -> dict:
    """Ours over each peer's, per (pipeline, size, batch); a batch other than the size's
    default is named in the key (``flip_crop_32_b256_vs_memcpy``)."""
    by = {(r["library"], r["pipeline"], r["size"], r["batch_size"]): r["items_per_second"] for r in results}
    out = {}
    for (lib, pipeline, size, batch), rate in by.items():
        if lib != "augmentlab":
            continue
        extra = any((pipeline, size, batch) == e for e in EXTRA_BATCHES)
        name = f"{pipeline}_{size}_b{batch}" if extra else f"{pipeline}_{size}"
        for other in ("albumentations", "kornia", "audiomentations", "tsaug", "memcpy"):
            if (other, pipeline, size, batch) in by:
                out[f"{name}_vs_{other}"] = round(rate / by[(other, pipeline, size, batch)], 3)
    return out
