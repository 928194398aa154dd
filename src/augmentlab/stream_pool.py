"""Streamed augmentation over worker processes on one machine.

Workers are forked where the system allows, so they share the parent's imported modules
page for page instead of each loading torch again (about 300 MB apiece here); each runs
torch on one thread, since the processes are the parallelism. Chunks done are reported
through a queue for the progress bar (``progress`` is first called after the fork, so a
bar's drawing thread does not exist yet when the workers are made). A worker's error is
raised here and the pool is stopped; after success the workers are let finish instead,
since stopping a worker that holds the pool's task lock can leave another waiting on it."""

from __future__ import annotations

import multiprocessing

_JOB = None  # set in each worker by its initializer
_QUEUE = None


def _start_worker(job, queue) -> None:
    global _JOB, _QUEUE
    import signal

    import torch

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, which unwinds its frames
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    _JOB, _QUEUE = job, queue
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)


def _run(index: int) -> dict:
    from augmentlab.stream_augment import run_unit

    return run_unit(_JOB, index, _QUEUE.put)


def run_in_processes(job, workers: int, progress=None) -> list[dict]:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue = context.SimpleQueue()
    pool = context.Pool(min(workers, len(job.units)), initializer=_start_worker, initargs=(job, queue))
    try:
        pending = pool.map_async(_run, range(len(job.units)), chunksize=1)
        while not pending.ready():
            pending.wait(0.1)
            _drain(queue, progress)
        _drain(queue, progress)
        results = pending.get()
        pool.close()
        pool.join()
        return results
    finally:
        pool.terminate()


def _drain(queue, progress) -> None:
    while not queue.empty():
        done = queue.get()
        if progress is not None:
            progress(done)
