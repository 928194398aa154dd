"""The fused 3x3 convolution and 2x2 max pool against torch's conv2d and max_pool2d."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from augmentlab.train.numba_conv_pool import conv3_max_pool16, conv3_max_pool16_weight_grad


def _case(h, w, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((5, h, w), dtype=np.float32)
    x[0] = 0.5  # a flat image: every window a four-way tie, which the first position wins
    weight = (rng.standard_normal((16, 1, 3, 3)) * 0.3).astype(np.float32)
    bias = (rng.standard_normal(16) * 0.1).astype(np.float32)
    return x, weight, bias


@pytest.mark.parametrize("h,w", [(28, 28), (9, 7), (2, 2), (3, 5), (1, 4)])
def test_values_winners_and_gradients_match_torch(h, w):
    x, weight, bias = _case(h, w)
    best = np.empty((5, h // 2, w // 2, 16), np.float32)
    which = np.empty(best.shape, np.uint8)
    conv3_max_pool16(x, np.ascontiguousarray(weight.reshape(16, 9).T), bias, best, which)
    w_ref, b_ref = torch.from_numpy(weight).requires_grad_(), torch.from_numpy(bias).requires_grad_()
    conv = F.conv2d(torch.from_numpy(x)[:, None], w_ref, b_ref, padding=1)
    if h < 2 or w < 2:  # nothing to pool
        assert best.size == 0
        return
    ref, index = F.max_pool2d_with_indices(conv, 2)
    np.testing.assert_allclose(best, ref.detach().permute(0, 2, 3, 1).numpy(), rtol=0, atol=1e-6)
    rows, cols = np.divmod(index.permute(0, 2, 3, 1).numpy(), w)
    assert np.array_equal(which, (rows % 2) * 2 + cols % 2)  # the same winner, ties included
    grad = np.random.default_rng(1).standard_normal(best.shape).astype(np.float32)
    ref.backward(torch.from_numpy(grad).permute(0, 3, 1, 2))
    grad_w, grad_b = np.zeros((9, 16)), np.zeros(16)
    conv3_max_pool16_weight_grad(x, grad, which, grad_w, grad_b)
    np.testing.assert_allclose(grad_w.T.reshape(16, 1, 3, 3), w_ref.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(grad_b, b_ref.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_gradients_add_to_what_the_arrays_hold():
    x, weight, bias = _case(6, 6)
    best = np.empty((5, 3, 3, 16), np.float32)
    which = np.empty(best.shape, np.uint8)
    conv3_max_pool16(x, np.ascontiguousarray(weight.reshape(16, 9).T), bias, best, which)
    grad = np.ones(best.shape, np.float32)
    once_w, once_b = np.zeros((9, 16)), np.zeros(16)
    conv3_max_pool16_weight_grad(x, grad, which, once_w, once_b)
    twice_w, twice_b = once_w.copy(), once_b.copy()
    conv3_max_pool16_weight_grad(x, grad, which, twice_w, twice_b)
    np.testing.assert_allclose(twice_w, 2 * once_w)
    np.testing.assert_allclose(twice_b, 2 * once_b)
