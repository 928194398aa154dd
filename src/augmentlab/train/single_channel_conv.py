"""A convolution on one input channel (grey images) whose weight gradient is one batched
matrix product over the input's patches.

oneDNN's weight gradient for a channels-last convolution with a single input channel took
3.5 ms a step for the default model's first layer on MNIST batches of 64 here, more than
the other two layers together; patches and ``bmm`` take 0.4-0.5 ms for the same numbers
(up to float rounding). The forward pass and the input's gradient stay oneDNN's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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


class SingleChannelConv2d(nn.Conv2d):
    """``nn.Conv2d(1, out, k, padding=k // 2)`` (odd ``k``, stride 1): the same parameters
    and values, with the faster weight gradient on CPU."""

    def __init__(self, out_channels: int, kernel_size: int = 3, bias: bool = True):
        if kernel_size % 2 != 1:
            raise ValueError(f"SingleChannelConv2d: kernel_size must be odd, got {kernel_size}")
        super().__init__(1, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu" or not torch.is_grad_enabled():
            return super().forward(x)
        return _SingleChannelConv.apply(x, self.weight, self.bias)
