"""The lab from Python on the user's own model: a factory given as a Python object (named
by its import path, or registered when it has none), the user's own training step and
score, and the same results as the commands, seed for seed."""

import pytest
import torch
from torch import nn

from augmentlab.errors import AugmentlabError
from augmentlab.experiment import Experiment

FAST = {"per_class": 5, "seeds": 1, "steps": 5}


def flat(shape, num_classes):
    n = 1
    for s in shape:
        n *= s
    return nn.Sequential(nn.Flatten(), nn.Linear(n, num_classes))


def test_an_importable_factory_is_recorded_by_its_import_path_and_repeats():
    exp = Experiment("digits", "hflip", model=flat, **FAST)
    assert exp.protocol.model == "tests.test_experiment:flat"
    first, again = exp.evaluate(), Experiment("digits", "hflip", model=flat, **FAST).evaluate()
    assert first["augmented"]["runs"][0]["test_accuracy"] == again["augmented"]["runs"][0]["test_accuracy"]
    assert first["augmented"]["runs"][0]["model"] == "tests.test_experiment:flat"


def test_a_local_factory_and_the_users_own_step_and_score():
    steps, scored = [], []

    def local(shape, num_classes):
        return flat(shape, num_classes)

    def train_step(model, x, target, optimizer):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), target)
        loss.backward()
        optimizer.step()
        steps.append(x.shape)
        return loss.item()

    def evaluate(model, x, y):
        scored.append(len(x))
        return 0.25  # a score of the user's choosing

    exp = Experiment("digits", "affine(m=0.3)", model=local, train_step=train_step, evaluate=evaluate, **FAST)
    assert exp.protocol.model.startswith("python:")
    r = exp.evaluate()
    assert len(steps) == 2 * 5 and r["augmented"]["runs"][0]["test_accuracy"] == 0.25 and scored
    swept = exp.sweep([0.0, 0.5])
    assert [p["magnitude"] for p in swept["points"]] == [0.0, 0.5]


def test_a_factory_with_the_wrong_output_is_refused_before_training():
    def wrong(shape, num_classes):
        return flat(shape, num_classes + 2)

    with pytest.raises(AugmentlabError, match=r"expected logits of shape \(2, 10\)"):
        Experiment("digits", "hflip", model=wrong, **FAST)
    with pytest.raises(AugmentlabError, match="expected a model name or a factory"):
        Experiment("digits", "hflip", model=3, **FAST)
    assert torch.get_default_dtype() == torch.float32
