import threading

import torch

from augmentlab.ops.kernels.threads import MIN_SLICE_BYTES, over_batch


def _slices(batch, item_bytes, threads):
    seen, names = [], set()

    def run(a, b):
        seen.append((a, b))
        names.add(threading.current_thread().name)

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        over_batch(run, batch, item_bytes)
    finally:
        torch.set_num_threads(before)
    return sorted(seen), names


def test_slices_cover_the_batch_once_one_per_thread():
    seen, names = _slices(10, MIN_SLICE_BYTES, 3)
    assert seen == [(0, 3), (3, 6), (6, 10)]
    assert all(n.startswith("augmentlab-kernel") for n in names)


def test_small_batches_and_one_thread_run_inline():
    main = threading.current_thread().name
    assert _slices(10, MIN_SLICE_BYTES // 10, 4) == ([(0, 10)], {main})  # one slice's worth of bytes
    assert _slices(10, MIN_SLICE_BYTES, 1) == ([(0, 10)], {main})
    assert _slices(0, MIN_SLICE_BYTES, 4) == ([(0, 0)], {main})


def test_a_slice_that_splits_again_runs_inline_instead_of_waiting_on_the_pool():
    inner = []

    def run(a, b):
        over_batch(lambda c, d: inner.append((c, d)), 4, MIN_SLICE_BYTES)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        over_batch(run, 4, MIN_SLICE_BYTES)
    finally:
        torch.set_num_threads(before)
    assert sorted(inner) == [(0, 4), (0, 4)]
