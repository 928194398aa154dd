"""A convolution on one input channel (grey images) whose weight gradient is one batched
matrix product over the input's patches; with ``pool=True``, fused with the 2x2 max pool
after it.

oneDNN's weight gradient for a channels-last convolution with a single input channel took
3.5 ms a step for the default model's first layer on MNIST batches of 64 here, more than
the other two layers together; patches and ``bmm`` take 0.4-0.5 ms for the same numbers
(up to float rounding). The forward pass and the input's gradient stay oneDNN's.

With the pool, a 3x3 kernel and 16 output channels (the default CNN's first layer) run as
one numba pass each way (``numba_conv_pool``): 0.4 ms a step standalone against 1.4-1.9
for the convolution and pool as torch runs them. Other shapes take torch's layers.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from augmentlab.train.numba_conv_pool import CHANNELS, conv3_max_pool16, conv3_max_pool16_weight_grad


def _patches(x: torch.Tensor, k: int) -> torch.Tensor:
    """(N, k*k, H*W): every pixel's k x k neighbourhood of the zero-padded (N, 1, H, W) ``x``."""
    n, _, h, w = x.shape
    padded = F.pad(x[:, 0], (k // 2,) * 4)
    return torch.stack([padded[:, dy : dy + h, dx : dx + w] for dy in range(k) for dx in range(k)], 1).view(n, k * k, h * w)


class _SingleChannelConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return F.conv2d(x, weight, bias, padding=weight.shape[-1] // 2)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        n, out_channels, h, w = grad.shape
        k = weight.shape[-1]
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.ops.aten.convolution_backward(grad, x, weight, None, [1, 1], [k // 2] * 2, [1, 1], False, [0, 0], 1,
                                                         [True, False, False])[0]
        if not (ctx.needs_input_grad[1] or ctx.needs_input_grad[2]):
            return grad_x, None, None
        # (N, H*W, O) rows of the gradient: free for a channels-last gradient, a copy otherwise
        rows = grad.permute(0, 2, 3, 1).reshape(n, h * w, out_channels)
        if ctx.needs_input_grad[1]:
            # (N, k*k, H*W) @ (N, H*W, O), summed over the batch, in the weight's own strides
            grad_w = torch.empty_like(weight).copy_(torch.bmm(_patches(x, k), rows).sum(0).t().reshape(weight.shape))
        if ctx.needs_input_grad[2]:  # False without a bias: None needs no gradient
            grad_b = rows.sum((0, 1))
        return grad_x, grad_w, grad_b


class _ConvMaxPool16(torch.autograd.Function):
    """``max_pool2d(conv2d(x, weight, bias, padding=1), 2)`` for (N, 1, H, W) float32 ``x``
    and a (16, 1, 3, 3) weight, on CPU (``numba_conv_pool``)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        n, _, h, w = x.shape
        src = x.detach().reshape(n, h, w).contiguous()
        taps = weight.detach().reshape(CHANNELS, 9).t().contiguous()
        shift = (bias.detach() if bias is not None else torch.zeros(CHANNELS)).contiguous()
        best = torch.empty(n, h // 2, w // 2, CHANNELS)
        which = torch.empty(n, h // 2, w // 2, CHANNELS, dtype=torch.uint8)
        conv3_max_pool16(src.numpy(), taps.numpy(), shift.numpy(), best.numpy(), which.numpy())
        ctx.save_for_backward(x, weight, which)
        ctx.has_bias = bias is not None
        return best.permute(0, 3, 1, 2)  # (N, 16, H/2, W/2) in channels-last strides

    @staticmethod
    def backward(ctx, grad):
        x, weight, which = ctx.saved_tensors
        n, _, h, w = x.shape
        rows = grad.permute(0, 2, 3, 1).contiguous()  # free for a channels-last gradient
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:  # (adversarial training) route each gradient to its winner
            full = rows.new_zeros(n, h, w, CHANNELS)
            for d in range(4):
                dy, dx = divmod(d, 2)
                full[:, dy : h // 2 * 2 : 2, dx : w // 2 * 2 : 2] = rows * (which == d)
            grad_x = torch.ops.aten.convolution_backward(full.permute(0, 3, 1, 2), x, weight, None, [1, 1], [1, 1], [1, 1],
                                                         False, [0, 0], 1, [True, False, False])[0]
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            sums_w, sums_b = np.zeros((9, CHANNELS)), np.zeros(CHANNELS)
            src = x.detach().reshape(n, h, w).contiguous()
            conv3_max_pool16_weight_grad(src.numpy(), rows.numpy(), which.numpy(), sums_w, sums_b)
            if ctx.needs_input_grad[1]:
                grad_w = torch.empty_like(weight).copy_(torch.from_numpy(sums_w.T.astype(np.float32)).reshape(weight.shape))
            if ctx.has_bias and ctx.needs_input_grad[2]:
                grad_b = torch.from_numpy(sums_b.astype(np.float32))
        return grad_x, grad_w, grad_b


class SingleChannelConv2d(nn.Conv2d):
    """``nn.Conv2d(1, out, k, padding=k // 2)`` (odd ``k``, stride 1): the same parameters
    and values, with the faster weight gradient on CPU. ``pool=True``: followed by
    ``max_pool2d(2)``, in one where it can (its output is then half the size)."""

    def __init__(self, out_channels: int, kernel_size: int = 3, bias: bool = True, pool: bool = False):
        if kernel_size % 2 != 1:
            raise ValueError(f"SingleChannelConv2d: kernel_size must be odd, got {kernel_size}")
        super().__init__(1, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool and self._fused(x):
            return _ConvMaxPool16.apply(x, self.weight, self.bias)
        if x.device.type != "cpu" or not torch.is_grad_enabled():
            out = super().forward(x)
        else:
            out = _SingleChannelConv.apply(x, self.weight, self.bias)
        return F.max_pool2d(out, 2) if self.pool else out

    def _fused(self, x: torch.Tensor) -> bool:
        return (x.device.type == "cpu" and x.dtype == self.weight.dtype == torch.float32 and self.kernel_size == (3, 3)
                and self.out_channels == CHANNELS and x.shape[-2] >= 2 and x.shape[-1] >= 2)
