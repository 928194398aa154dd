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


def over_batch(run: Callable[[int, int], object], batch: int, item_bytes: int) -> None:
    """Call ``run(start, stop)`` on contiguous slices covering ``range(batch)``: one slice
    per torch thread, each of at least ``MIN_SLICE_BYTES`` (``item_bytes`` per item);
    inline when that leaves one slice."""
    threads = min(torch.get_num_threads(), batch * item_bytes // MIN_SLICE_BYTES)
    if threads <= 1 or threading.current_thread().name.startswith("augmentlab-kernel"):
        run(0, batch)
        return
    bounds = [batch * k // threads for k in range(threads + 1)]
    futures = [_executor(threads).submit(run, a, b) for a, b in zip(bounds, bounds[1:])]
    for f in futures:
        f.result()
