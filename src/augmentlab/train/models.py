"""Small default models for tensor data; the modality picks one by input size (``Modality.default_model``)."""

from __future__ import annotations

import torch
from torch import nn

from augmentlab.train.single_channel_conv import SingleChannelConv2d


class ChannelsLast(nn.Module):
    """A conv net kept in channels-last layout, weights and input alike: oneDNN's CPU
    convolutions, pooling and batch norm run faster on it (an 800-step MNIST run of
    ``SmallCNN`` took 28% less time here), and so do cuDNN's with mixed precision. The
    layout changes no value a layer computes, only the order of the loops."""

    def _apply_layout(self) -> None:
        self.to(memory_format=torch.channels_last)

    @staticmethod
    def _layout(x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


class GlobalAvgPool(nn.Module):
    """(N, C, H, W) -> (N, C): each channel's mean. ``AdaptiveAvgPool2d(1)``'s gradient
    comes back contiguous, so the ReLU before it ran its backward on mixed layouts (a
    contiguous gradient, a channels-last output): 260 us a step instead of 57 here."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # sum, then scale: the sum's gradient is a broadcast view, where the mean's is a
        # contiguous tensor
        return x.sum((2, 3)) * (1.0 / (x.shape[2] * x.shape[3]))


class SmallCNN(ChannelsLast):
    """Three conv blocks and a linear head: the default for small images (up to 64 px).

    ``pool_first`` max-pools each block's convolution before its batch norm and ReLU, so
    those run on a quarter of the pixels (a training step took 30% less time here, at the
    same MNIST accuracy); the audio model keeps the conv-norm-ReLU-pool order its numbers
    were measured with.

    ``bf16_safe``: ``--precision auto`` trains it in bfloat16 on CPUs that compute it
    natively (``train/precision.py``; MNIST accuracy measured the same as float32)."""

    bf16_safe = True

    def __init__(self, channels: int, num_classes: int, width: int = 16, pool_first: bool = True):
        super().__init__()

        def block(cin: int, cout: int, pool: bool) -> list[nn.Module]:
            # grey images: the same layer, with a weight gradient 7x faster on CPU
            conv = SingleChannelConv2d(cout, 3) if cin == 1 else nn.Conv2d(cin, cout, 3, padding=1)
            norm = nn.BatchNorm2d(cout)
            if not pool:
                return [conv, norm, nn.ReLU(inplace=True)]
            if pool_first and cin == 1:  # the pool fused into the convolution; the slot keeps parameter names
                conv.pool = True
                return [conv, nn.Identity(), norm, nn.ReLU(inplace=True)]
            if pool_first:
                return [conv, nn.MaxPool2d(2), norm, nn.ReLU(inplace=True)]
            return [conv, norm, nn.ReLU(inplace=True), nn.MaxPool2d(2)]

        self.features = nn.Sequential(
            *block(channels, width, True), *block(width, 2 * width, True), *block(2 * width, 4 * width, False),
            GlobalAvgPool(),
        )
        self.head = nn.Linear(4 * width, num_classes)
        self._apply_layout()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(self._layout(x)))


class MLP(nn.Module):
    """For flat features (tables, embeddings) or tiny images."""

    def __init__(self, in_features: int, num_classes: int, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.skip(x))


class SmallResNet(ChannelsLast):
    """A ResNet-8-style network for larger images (above 64 px)."""

    def __init__(self, channels: int, num_classes: int, width: int = 32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(_Block(width, width, 1), _Block(width, 2 * width, 2), _Block(2 * width, 4 * width, 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, num_classes))
        self._apply_layout()

    def forward(self, x):
        return self.head(self.blocks(self.stem(self._layout(x))))


def _logmel_cnn(channels: int, num_classes: int) -> nn.Module:
    from augmentlab.train.audio_models import LogMelCNN

    return LogMelCNN(channels, num_classes)


def _fcn(channels: int, num_classes: int) -> nn.Module:
    from augmentlab.train.series_models import FCN

    return FCN(channels, num_classes)


def _resnet1d(channels: int, num_classes: int) -> nn.Module:
    from augmentlab.train.series_models import ResNet1D

    return ResNet1D(channels, num_classes)


MODELS = {"cnn": SmallCNN, "mlp": MLP, "resnet": SmallResNet, "logmel_cnn": _logmel_cnn, "fcn": _fcn, "resnet1d": _resnet1d}


def build_model(name: str, shape: tuple[int, ...], num_classes: int, weights: str | None = None) -> nn.Module:
    """A fresh model by name (a built-in one, or the user's ``module:factory``), started
    from the safetensors ``weights`` when given."""
    from augmentlab.train.user_models import build_user_model, is_user_model, load_weights

    model = build_user_model(name, shape, num_classes) if is_user_model(name) else _builtin(name, shape, num_classes)
    return load_weights(model, weights) if weights is not None else model


def _builtin(name: str, shape: tuple[int, ...], num_classes: int) -> nn.Module:
    if name == "mlp":
        n = 1
        for s in shape:
            n *= s
        return MLP(n, num_classes)
    return MODELS[name](shape[0], num_classes)
