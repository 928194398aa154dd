"""The series models keep the time axis until the pooling, take series unscaled, and
learn a shape difference in a few steps."""

import torch

from augmentlab.train.models import build_model
from augmentlab.train.trainer import TrainConfig, accuracy, train


def test_shapes_and_unscaled_inputs():
    for name in ("fcn", "resnet1d"):
        model = build_model(name, (3, 50), 4)
        assert model(torch.randn(2, 3, 50)).shape == (2, 4) and model(torch.randn(2, 3, 7)).shape == (2, 4)
        x = torch.randn(2, 3, 50) * 100
        assert torch.equal(model.prepare(x), x)


def test_fcn_learns_bumps_from_dips():
    g = torch.Generator().manual_seed(0)
    t = torch.linspace(-1, 1, 60)
    bump = torch.exp(-(t / 0.2) ** 2)
    shift = torch.randint(-15, 16, (120,), generator=g)
    y = torch.arange(120) % 2
    x = torch.stack([torch.roll(bump, int(s)) * (1 if int(c) else -1) for s, c in zip(shift, y)]).unsqueeze(1)
    x = x + 0.1 * torch.randn(x.shape, generator=g)
    result = train(lambda: build_model("fcn", (1, 60), 2), x[:80], y[:80], None, TrainConfig(steps=60, batch_size=16), seed=0, num_classes=2)
    assert accuracy(result.model, x[80:], y[80:]) >= 0.95
