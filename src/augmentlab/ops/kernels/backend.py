"""Which implementation a kernel uses: native CPU code (numba, OpenCV) for CPU tensors,
torch primitives for every other device.

``torch_kernels()`` forces the torch implementations on CPU too, so the code that CUDA
runs is tested against the CPU kernels on any machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

_force_torch = False


def native_cpu(x: torch.Tensor | torch.device) -> bool:
    # ``is_cpu`` rather than ``device.type``: this runs several times a batch, and building
    # the device object costs most of a microsecond
    return (x.is_cpu if isinstance(x, torch.Tensor) else x.type == "cpu") and not _force_torch


@contextlib.contextmanager
def torch_kernels() -> Iterator[None]:
    global _force_torch
    old, _force_torch = _force_torch, True
    try:
        yield
    finally:
        _force_torch = old


@contextlib.contextmanager
def opencv_single_thread() -> Iterator[None]:
    """OpenCV on one thread for the duration of a batch, then as the host had it.

    Our loops call OpenCV once per small image, where its thread pool costs more than it
    gives; setting that at import would retune every other user of OpenCV in the process."""
    import cv2

    old = cv2.getNumThreads()
    if old != 1:
        cv2.setNumThreads(1)
    try:
        yield
    finally:
        if old != 1:
            cv2.setNumThreads(old)
