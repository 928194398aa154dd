"""Split a batch across threads for the native kernels.

The kernels are compiled ``nogil`` (numba) or release the GIL themselves (OpenCV), so
Python threads run them in parallel. The thread count follows torch's
(``torch.set_num_threads``): one knob for the whole pipeline, and one thread by default
inside DataLoader workers, where torch also sets one. Each chunk writes its own slice of
the output, and every draw was made before the split, so the result does not depend on
the thread count.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import torch

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_lock = threading.Lock()


def _forget_pool() -> None:
    """A forked child has none of the parent's threads: start a fresh pool if needed."""
    global _pool, _pool_size
    _pool, _pool_size = None, 0


os.register_at_fork(after_in_child=_forget_pool)


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool, _pool_size = ThreadPoolExecutor(threads, thread_name_prefix="augmentlab-kernel"), threads
        return _pool


# A thread's slice is at least this many bytes of images: handing work to a thread costs
# tens of microseconds, as much as copying a few hundred kilobytes.
MIN_SLICE_BYTES = 1 << 19


_local = threading.local()


def kernel_threads() -> int:
    """Threads the native kernels split a batch across: torch's count, or what it was
    when ``small_torch_ops_on_one_thread`` lowered it."""
    return getattr(_local, "threads", None) or torch.get_num_threads()


class small_torch_ops_on_one_thread:  # noqa: N801 (used as a function: ``with small_torch_ops_on_one_thread():``)
    """Run the torch operations inside on one thread, while the native kernels keep
    torch's thread count (``kernel_threads``).

    A fused run computes its matrices and lookup tables with torch on tensors of a few
    thousand values, then hands the pixels to a kernel split across threads. With two
    threads, each small torch operation wakes an OpenMP worker, which then spins for a
    while waiting for more work, on the core the kernel's second thread needs: the
    standard pipeline at 224x224 gained 1.01-1.22x from a second thread that way, and
    1.58-1.75x with the small operations on one (measured side by side). Nested uses
    keep the outermost count; torch's count is restored on the way out. (A class, not a
    generator: it is entered on every batch, where a generator's context costs a few
    microseconds more.)"""

    __slots__ = ("threads",)

    def __enter__(self) -> None:
        threads = torch.get_num_threads()
        self.threads = None
        if threads > 1 and getattr(_local, "threads", None) is None:
            self.threads = _local.threads = threads
            torch.set_num_threads(1)

    def __exit__(self, *exc) -> None:
        if self.threads is not None:
            torch.set_num_threads(self.threads)
            _local.threads = None


def slice_count(batch: int, item_bytes: int) -> int:
    """How many slices ``over_batch`` cuts a batch into: one per kernel thread
    (``kernel_threads``), each of at least ``MIN_SLICE_BYTES``; 1 or less means inline.
    A caller on a per-batch hot path may check it first and skip building the closure."""
    most = batch * item_bytes // MIN_SLICE_BYTES
    # the thread count only where it can matter: a thread-local lookup and a torch call, per batch
    return most if most <= 1 else min(kernel_threads(), most)


def over_batch(run: Callable[[int, int], object], batch: int, item_bytes: int) -> None:
    """Call ``run(start, stop)`` on contiguous slices covering ``range(batch)``
    (``slice_count`` of them, ``item_bytes`` per item), the last on the calling thread;
    inline when that leaves one, or when called from inside a slice."""
    threads = slice_count(batch, item_bytes)
    if threads <= 1 or getattr(_local, "in_slice", False) or threading.current_thread().name.startswith("augmentlab-kernel"):
        run(0, batch)
        return
    bounds = [batch * k // threads for k in range(threads + 1)]
    # The pool takes all slices but the last, which runs here: one thread fewer to wake,
    # and the caller's core works instead of waiting (the standard pipeline at 224x224
    # gained 1.59x from a second thread with every slice on the pool, 1.67-1.73x so).
    futures = [_executor(threads - 1).submit(run, a, b) for a, b in zip(bounds[:-2], bounds[1:-1])]
    _local.in_slice = True
    try:
        run(bounds[-2], bounds[-1])
    finally:
        _local.in_slice = False
        for f in futures:
            f.result()
