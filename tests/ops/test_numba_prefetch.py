"""The prefetch hint: compiles, reads nothing into the program, and clips to the array."""

import numba
import numpy as np

from augmentlab.ops.kernels.numba_prefetch import prefetch_span


@numba.njit
def _hint_then_sum(flat, start, stop):
    prefetch_span(flat, start, stop)
    return flat.sum()


def test_a_prefetch_past_either_end_is_clipped_and_changes_nothing():
    flat = np.arange(1000, dtype=np.uint8)
    before = flat.copy()
    for start, stop in ((0, 1000), (-500, 64), (900, 10_000), (2_000, 3_000)):
        assert _hint_then_sum(flat, start, stop) == before.sum()
    assert np.array_equal(flat, before)
