"""Which number format training computes in, and that bf16 training is mixed precision:
bfloat16 convolutions, float32 weights, gradients and loss, the same bytes for the same
seed, and the format named in the result."""

import pytest
import torch
from torch import nn

from augmentlab.errors import AugmentlabError
from augmentlab.train import precision
from augmentlab.train.models import build_model
from augmentlab.train.precision import autocast, check_precision, resolve_precision
from augmentlab.train.trainer import TrainConfig, train


class _Plain(nn.Module):  # a model that says nothing about bf16
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)


@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bf16_only_for_a_bf16_safe_model_on_a_cpu_that_computes_it(monkeypatch, native):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    cnn = build_model("cnn", (1, 28, 28), 10)
    assert resolve_precision("auto", cnn, "cpu") == ("bf16" if native else "fp32")
    assert resolve_precision("auto", _Plain(), "cpu") == "fp32"
    assert resolve_precision("auto", cnn, "cuda:0") == "fp32"  # not measured there
    assert resolve_precision("fp32", cnn, "cpu") == "fp32"
    assert resolve_precision("bf16", _Plain(), "cpu") == "bf16"  # asked for: given, wherever


def test_the_audio_model_around_a_cnn_keeps_fp32_under_auto(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", build_model("logmel_cnn", (1, 4000), 10), "cpu") == "fp32"


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(AugmentlabError, match="'fp16' is not a precision; expected one of auto, fp32, bf16"):
        check_precision("fp16")
    with pytest.raises(AugmentlabError, match="not a precision"):
        train(lambda: _Plain(), torch.zeros(4, 4), torch.zeros(4, dtype=torch.long), None, TrainConfig(steps=1, precision="half"), 0)


def test_bf16_autocast_computes_convolutions_in_bfloat16_and_fp32_does_not():
    conv, x = nn.Conv2d(2, 3, 3), torch.rand(1, 2, 5, 5)
    with autocast("bf16", "cpu"):
        assert conv(x).dtype == torch.bfloat16
    with autocast("fp32", "cpu"):
        assert conv(x).dtype == torch.float32


def _digits(n=64):
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (n, 1, 12, 12), dtype=torch.uint8, generator=g), torch.arange(n) % 4


def test_bf16_training_keeps_float32_weights_repeats_its_bytes_and_names_its_format():
    x, y = _digits()
    model = lambda: build_model("cnn", (1, 12, 12), 4)  # noqa: E731
    config = TrainConfig(steps=6, batch_size=16, precision="bf16")
    runs = [train(model, x, y, None, config, seed=1) for _ in range(2)]
    fp32 = train(model, x, y, None, TrainConfig(steps=6, batch_size=16, precision="fp32"), seed=1)
    assert runs[0].precision == "bf16" and fp32.precision == "fp32"
    assert all(p.dtype == torch.float32 for p in runs[0].model.parameters())
    assert all(torch.equal(p, q) for p, q in zip(runs[0].model.parameters(), runs[1].model.parameters()))
    # the formats differ: at least one weight moved differently
    assert not all(torch.equal(p, q) for p, q in zip(runs[0].model.parameters(), fp32.model.parameters()))


def test_the_quality_judge_trains_in_float32_on_any_cpu(monkeypatch):
    from augmentlab.quality import judge

    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)  # where auto would pick bf16
    seen = []
    real_train = judge.train

    def spy(model_fn, x, y, policy, config, seed, **kw):
        result = real_train(model_fn, x, y, policy, config, seed, **kw)
        seen.append(result.precision)
        return result

    monkeypatch.setattr(judge, "train", spy)
    x = torch.randint(0, 256, (32, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    judge.Judge(x, torch.arange(32) % 4, 4, steps=2)  # 28x28: the default CNN
    assert seen == ["fp32"]
