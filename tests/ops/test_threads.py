import threading

import pytest
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
    main = threading.current_thread().name
    assert main in names  # the last slice runs on the calling thread, the others on the pool
    pool = names - {main}  # (one pool thread may take both of its slices: they are tiny)
    assert pool and all(n.startswith("augmentlab-kernel") for n in pool)


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


def test_small_torch_ops_run_on_one_thread_while_kernels_keep_the_count():
    from augmentlab.ops.kernels.threads import kernel_threads, small_torch_ops_on_one_thread

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with small_torch_ops_on_one_thread():
            assert torch.get_num_threads() == 1 and kernel_threads() == 2
            with small_torch_ops_on_one_thread():  # nested: the outer count holds
                assert torch.get_num_threads() == 1 and kernel_threads() == 2
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2 and kernel_threads() == 2
        with pytest.raises(RuntimeError), small_torch_ops_on_one_thread():
            raise RuntimeError("a kernel failed")
        assert torch.get_num_threads() == 2 and kernel_threads() == 2  # restored on the way out
    finally:
        torch.set_num_threads(before)


def test_a_fused_run_splits_its_kernels_across_the_threads_torch_had(monkeypatch):
    from augmentlab.ops.kernels import threads
    from augmentlab.policy import parse_policy

    seen = []
    real = threads.kernel_threads

    def recording():
        seen.append((real(), torch.get_num_threads()))
        return seen[-1][0]

    monkeypatch.setattr(threads, "kernel_threads", recording)  # what over_batch asks
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        x = torch.randint(0, 256, (64, 3, 128, 128), dtype=torch.uint8)  # 3 MB: more than one slice
        parse_policy("hflip+rotate(m=0.2)+brightness(m=0.2)+contrast(m=0.2)")(x, torch.Generator().manual_seed(0))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    # the warp and the table pass: two kernel threads, torch's own small ops on one
    assert len(seen) >= 2 and all(pair == (2, 1) for pair in seen)
