"""Counts and level sums below two levels: both kernels against numpy."""

import numba
import numpy as np
import pytest

from augmentlab.ops.kernels import numba_range
from augmentlab.ops.kernels.numba_range import below_two_scalar, range_sums
from augmentlab.ops.kernels.numba_simd import AVX512BW, below_two_avx512

_scalar = numba.njit(lambda plane, a, b: below_two_scalar(plane, a, b))
_vector = numba.njit(lambda plane, a, b: below_two_avx512(plane, a, b))
KERNELS = [_scalar, pytest.param(_vector, marks=pytest.mark.skipif(not AVX512BW, reason="no AVX-512 BW for numba here"))]
LEVELS = [(0, 0), (0, 256), (256, 256), (1, 255), (10, 200), (128, 129), (200, 10), (255, 256)]


def _want(plane, a, b):
    v = plane.astype(np.int64)
    return int((v < a).sum()), int(v[v < a].sum()), int((v < b).sum()), int(v[v < b].sum())


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000, 224 * 224, (1 << 16) + 100])  # past one 32-bit partial sum
def test_counts_and_sums_below_each_level(kernel, n):
    rng = np.random.default_rng(n)
    plane = rng.integers(0, 256, n, dtype=np.uint8)
    plane[: min(n, 256)] = np.arange(min(n, 256))  # every level, the edges included
    for a, b in LEVELS:
        assert kernel(plane, a, b) == _want(plane, a, b), (a, b)


@pytest.mark.parametrize("kernel", KERNELS)
def test_an_all_white_plane_overflows_no_partial_sum(kernel):
    plane = np.full((1 << 17) + 3, 255, np.uint8)
    assert kernel(plane, 256, 255) == _want(plane, 256, 255)


def test_the_batch_kernel_takes_each_image_and_channel_its_own_levels():
    rng = np.random.default_rng(0)
    src = rng.integers(0, 256, (4, 3, 500), dtype=np.uint8)
    bounds = rng.integers(0, 257, (4, 3, 2)).astype(np.int32)
    out = range_sums(src, bounds, np.zeros((4, 3, 4), np.int64))
    for b in range(4):
        for c in range(3):
            assert tuple(out[b, c]) == _want(src[b, c], *bounds[b, c])


def test_the_vector_kernel_is_picked_exactly_where_the_cpu_has_it():
    assert numba_range._below_two is (below_two_avx512 if AVX512BW else below_two_scalar)
