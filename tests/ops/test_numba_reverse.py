"""The flip's reversed, masked row copy against numpy, compiled and as plain Python."""

import numpy as np
import pytest

from augmentlab.ops.kernels.numba_reverse import flip_rows_masked, reverse_block16, reverse_block32


def _case(W, rows, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, 256, rows * W + 7, dtype=np.uint8)
    mask = np.where(rng.random(W) < 0.8, 255, 0).astype(np.uint8)
    return src, mask


def _expected(src, mask, at, rows, W, size):
    out = np.full(size, 7, np.uint8)
    for y in range(rows):
        out[3 + y * W : 3 + (y + 1) * W] = (src[at + y * W : at + (y + 1) * W] & mask)[::-1]
    return out


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("W", [1, 5, 15, 16, 17, 28, 31, 32, 33, 47, 64, 65, 224])
def test_rows_are_masked_reversed_and_nothing_else_is_written(W, compiled):
    rows = 3
    src, mask = _case(W, rows, W)
    size = rows * W + 6  # three guard bytes either side
    out = np.full(size, 7, np.uint8)
    kernel = flip_rows_masked if compiled else flip_rows_masked.py_func  # py_func: the NUMBA_DISABLE_JIT path
    kernel(src, out, mask, 5, 3, rows, W)
    assert np.array_equal(out, _expected(src, mask, 5, rows, W, size))


@pytest.mark.parametrize(("block", "n"), [(reverse_block16, 16), (reverse_block32, 32)])
def test_python_blocks_reverse_the_masked_bytes(block, n):
    src, mask = _case(n, 2)
    out = np.zeros(n + 4, np.uint8)
    block(src, 3, mask, 0, out, 2)
    assert np.array_equal(out[2 : 2 + n], (src[3 : 3 + n] & mask[:n])[::-1])
    assert not out[:2].any() and not out[2 + n :].any()


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("W", [5, 16, 28, 32, 40, 224])
def test_each_row_can_take_its_own_mask(W, compiled):
    """``mask_at``/``mask_step``: row y is ANDed with ``mask[mask_at + y * mask_step:][:W]``
    (a whole plane's mask, one row of it per row)."""
    rows = 3
    src, _ = _case(W, rows, W + 1)
    rng = np.random.default_rng(W)
    mask = np.where(rng.random(2 + rows * W) < 0.8, 255, 0).astype(np.uint8)
    size = rows * W + 6
    out = np.full(size, 7, np.uint8)
    kernel = flip_rows_masked if compiled else flip_rows_masked.py_func
    kernel(src, out, mask, 5, 3, rows, W, 2, W)
    expected = np.full(size, 7, np.uint8)
    for y in range(rows):
        expected[3 + y * W : 3 + (y + 1) * W] = (src[5 + y * W : 5 + (y + 1) * W] & mask[2 + y * W : 2 + (y + 1) * W])[::-1]
    assert np.array_equal(out, expected)
