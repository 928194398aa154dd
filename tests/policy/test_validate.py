"""Recorded parameters are checked against what the policy itself draws."""

import pytest
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops import create_op
from augmentlab.policy import parse_policy
from augmentlab.policy.validate import check_params, op_bounds
from tests.contract_ops import IMAGE_OPS, TEXT_OPS

SHAPE = (3, 12, 10)


@pytest.mark.parametrize("mode", ["uniform", "fixed"])
@pytest.mark.parametrize("name", IMAGE_OPS + TEXT_OPS)
def test_every_draw_of_every_op_passes_its_own_check(name, mode):
    # a replayed manifest must never be refused for a value the op itself drew
    shape = () if name in TEXT_OPS else SHAPE
    for m in (0.0, 0.37, 1.0):
        op = create_op(name, m=m, p=0.5, mode=mode) if "mode" in op_args(name) else create_op(name, m=m, p=0.5)
        for seed in range(3):
            params = op.sample(torch.Generator().manual_seed(seed), 16, shape)
            check_params(op, params, 16, shape)


def op_args(name):
    import inspect

    from augmentlab.ops import REGISTRY

    return inspect.signature(REGISTRY[name].__init__).parameters


@pytest.mark.parametrize("spec", ["rand-n2-m0.5", "trivial", "augmix-m0.5-w3-d2", "autoaugment-cifar10",
                                  "one_of(hflip,rotate+affine(m=0.3),weights=[1,2])"])
def test_presets_and_containers_pass_their_own_check(spec):
    policy = parse_policy(spec)
    for seed in range(3):
        check_params(policy, policy.sample(torch.Generator().manual_seed(seed), 8, SHAPE), 8, SHAPE)


def test_bounds_follow_the_magnitude():
    lo, hi = op_bounds(create_op("rotate", m=0.5), SHAPE)["degrees"]
    assert (float(lo), float(hi)) == (-45.0, 45.0)
    assert "y0" not in op_bounds(create_op("cutout", m=0.5), SHAPE)  # drawn from the stream: no helper bound


@pytest.mark.parametrize("edit,needle", [
    (lambda p: p["degrees"].fill_(91.0), "outside the range"),
    (lambda p: p["degrees"].fill_(float("nan")), "NaN"),
    (lambda p: p.pop("degrees"), "expected the keys"),
    (lambda p: p.update(degrees=p["degrees"][:2]), "shape [4]"),
    (lambda p: p.update(degrees=p["degrees"].float()), "float64"),
])
def test_edited_parameters_are_refused_by_name(edit, needle):
    op = create_op("rotate", m=0.5)
    params = op.sample(torch.Generator().manual_seed(0), 4, SHAPE)
    edit(params)
    with pytest.raises(AugmentlabError, match=needle.replace("[", r"\[")) as e:
        check_params(op, params, 4, SHAPE, "rec")
    assert str(e.value).startswith("rec")


def test_text_seeds_must_be_non_negative():
    op = create_op("swap", m=0.2)
    params = op.sample(torch.Generator().manual_seed(0), 3, ())
    params["seed"][1] = -1
    with pytest.raises(AugmentlabError, match="seed: seeds must be"):
        check_params(op, params, 3, ())
