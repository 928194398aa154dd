import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.errors import AugmentlabError
from augmentlab.policy import parse_policy
from augmentlab.train.adaptive import Adaptive, AdaptiveConfig, StrengthController
from augmentlab.train.protocol import Protocol, evaluate
from augmentlab.train.trainer import model_input


class _Constant(torch.nn.Module):
    """Predicts class 0 whatever the input."""

    def forward(self, x):
        return torch.tensor([[5.0, 0.0]]).expand(len(x), 2)


def _controller(signal, heldout_labels):
    x = torch.zeros(64, 1, 4, 4, dtype=torch.uint8)
    cfg = AdaptiveConfig(signal=signal, interval=2, step_size=0.1)
    return StrengthController(Adaptive(parse_policy("affine(m=0.5)"), cfg), (x, heldout_labels), 0, model_input)


def test_gap_signal_strengthens_when_training_batches_beat_heldout_and_weakens_otherwise():
    model, logits = _Constant(), torch.tensor([[5.0, 0.0]] * 8)
    up = _controller("gap", torch.ones(64, dtype=torch.int64))  # held-out all wrong: memorising
    for step in (1, 2, 3, 4):
        up.after_step(step, model, logits, torch.zeros(8, dtype=torch.int64))
    assert [p["magnitude"] for p in up.trajectory] == [0.0, 0.1, 0.2] and up.policy.m == 0.2
    down = _controller("gap", torch.zeros(64, dtype=torch.int64))
    down.m = 0.5
    down.after_step(2, model, logits, torch.ones(8, dtype=torch.int64))  # training batches all wrong
    assert down.m == 0.4 and down.trajectory[-1]["signal"] == pytest.approx(-1.0)


def test_rt_signal_is_the_mean_margin_sign_against_its_target():
    c = _controller("rt", torch.zeros(64, dtype=torch.int64))
    y = torch.tensor([0, 0, 0, 1])  # three right, one wrong: r_t = 0.5 < 0.6
    c.m = 0.3
    for step in (1, 2):
        c.after_step(step, _Constant(), torch.tensor([[5.0, 0.0]] * 4), y)
    assert c.trajectory[-1]["signal"] == pytest.approx(0.5) and c.m == pytest.approx(0.2)


def test_adaptive_arm_records_its_trajectory_next_to_the_fixed_one():
    ds = load_dataset("digits")
    r = evaluate(ds, parse_policy("affine(m=0.3)"), Protocol(per_class=5, seeds=2, steps=40), adaptive=AdaptiveConfig(interval=10))
    a = r["adaptive"]
    assert len(a["runs"]) == 2 and [p["step"] for p in a["runs"][0]["adaptive"]] == [0, 10, 20, 30, 40]
    assert all(0 <= p["magnitude"] <= 1 for run in a["runs"] for p in run["adaptive"])
    assert a["vs_fixed"]["mean"] == pytest.approx(a["test_accuracy"]["mean"] - r["augmented"]["test_accuracy"]["mean"])
    assert a["final_magnitude"]["mean"] == pytest.approx(sum(run["adaptive"][-1]["magnitude"] for run in a["runs"]) / 2)


def test_unknown_signal_is_an_error():
    with pytest.raises(AugmentlabError, match="signal"):
        AdaptiveConfig(signal="vibes").check()
