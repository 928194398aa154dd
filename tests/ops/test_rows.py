"""take_rows / put_rows: the same values as torch's index_select / index_copy on every
path, and the input never written."""

import contextlib

import pytest
import torch

from augmentlab.ops.kernels.backend import torch_kernels
from augmentlab.ops.kernels.rows import put_rows, take_rows

DTYPES = [torch.uint8, torch.float32, torch.float64, torch.bool, torch.int64, torch.bfloat16]


def _batch(dtype, channels_last=False):
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 200, (6, 3, 5, 4), generator=g).to(dtype)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("forced_torch", [False, True])
def test_take_and_put_match_torch(dtype, channels_last, forced_torch):
    x = _batch(dtype, channels_last)
    before = x.clone()
    idx = torch.tensor([4, 1, 3])
    values = torch.randint(0, 200, (3, 3, 5, 4), generator=torch.Generator().manual_seed(1)).to(dtype)
    with torch_kernels() if forced_torch else contextlib.nullcontext():
        taken, put = take_rows(x, idx), put_rows(x, idx, values)
    assert torch.equal(taken, x.index_select(0, idx))
    assert torch.equal(put, x.index_copy(0, idx, values))
    assert torch.equal(x, before)  # the input is never written


def test_put_casts_values_to_the_batch_dtype():
    x = torch.zeros(4, 2, dtype=torch.uint8)
    out = put_rows(x, torch.tensor([2]), torch.full((1, 2), 7.0))
    assert out.dtype == torch.uint8 and out[2].tolist() == [7, 7] and out[0].tolist() == [0, 0]


def test_tensors_with_gradients_keep_them():
    x = torch.rand(4, 3, requires_grad=True)
    idx = torch.tensor([0, 2])
    taken = take_rows(x, idx)
    out = put_rows(x, idx, taken * 2)
    out.sum().backward()
    assert x.grad is not None and x.grad[0].tolist() == [2.0] * 3 and x.grad[1].tolist() == [1.0] * 3


def test_empty_selection():
    x = torch.arange(6.0).view(3, 2)
    idx = torch.zeros(0, dtype=torch.int64)
    assert take_rows(x, idx).shape == (0, 2)
    assert torch.equal(put_rows(x, idx, torch.zeros(0, 2)), x)

