"""Contract tests swept over every registered image op."""

import json

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augmentlab.ops import REGISTRY, create_op
from augmentlab.policy import (
    format_policy,
    params_from_json,
    params_to_json,
    parse_policy,
)
from tests.conftest import images
from tests.contract_ops import IMAGE_OPS

DTYPES = [torch.uint8, torch.float32]


def test_at_least_25_image_ops():
    assert len(IMAGE_OPS) >= 25


def _run(name, x, seed=0, m=0.6):
    op = create_op(name, m=m, p=1.0)
    g = torch.Generator().manual_seed(seed)
    params = op.sample(g, x.shape[0], tuple(x.shape[1:]))
    return op, params, op.apply(x, params)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", IMAGE_OPS)
def test_shape_dtype_range_purity(name, dtype):
    x = images(dtype=dtype)
    before = x.clone()
    _, _, y = _run(name, x)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.equal(x, before), "kernels must not modify their input"
    if dtype == torch.float32:
        assert not torch.isnan(y).any()
        assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", IMAGE_OPS)
def test_batched_equals_per_sample(name, dtype):
    x = images(dtype=dtype)
    op, params, y = _run(name, x)
    for i in range(x.shape[0]):
        one = {k: v[i : i + 1] for k, v in params.items()}
        yi = op.apply(x[i : i + 1], one)
        torch.testing.assert_close(yi, y[i : i + 1], atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", IMAGE_OPS)
def test_seeded_reproducible_and_seed_sensitive(name):
    x = images()
    _, _, a = _run(name, x, seed=3)
    _, _, b = _run(name, x, seed=3)
    assert torch.equal(a, b)
    if REGISTRY[name].magnitude is None:  # m sets nothing: flips, identity, equalize, ...
        return
    outputs = [_run(name, x, seed=s)[2] for s in range(4, 8)]
    assert any(not torch.equal(a, o) for o in outputs), "different seeds should give different draws"


@pytest.mark.parametrize("name", IMAGE_OPS)
def test_params_and_spec_round_trip(name):
    x = images()
    op, params, y = _run(name, x)
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    assert torch.equal(op.apply(x, replayed), y)
    assert parse_policy(format_policy(op)) == op


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [n for n in IMAGE_OPS if REGISTRY[n].identity_at_zero])
def test_magnitude_zero_is_identity(name, dtype):
    x = images(dtype=dtype)
    _, _, y = _run(name, x, m=0.0)
    torch.testing.assert_close(y, x, atol=1e-6 if dtype == torch.float32 else 0, rtol=0)


def test_probability_zero_changes_nothing():
    x = images()
    for name in IMAGE_OPS:
        op = create_op(name, p=0.0)
        assert torch.equal(op(x, torch.Generator().manual_seed(0)), x), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(IMAGE_OPS),
    batch=st.integers(1, 4),
    channels=st.sampled_from([1, 3]),
    h=st.integers(3, 40),
    w=st.integers(3, 40),
    m=st.floats(0.0, 1.0, allow_subnormal=False),
    seed=st.integers(0, 2**31),
    uint8=st.booleans(),
)
def test_property_invariants(name, batch, channels, h, w, m, seed, uint8):
    x = images(batch, channels, (h, w), torch.uint8 if uint8 else torch.float32, seed=seed % 1000)
    op, params, y = _run(name, x, seed=seed, m=m)
    assert y.shape == x.shape and y.dtype == x.dtype
    if not uint8:
        assert torch.isfinite(y).all() and float(y.min()) >= 0 and float(y.max()) <= 1
    i = batch - 1
    yi = op.apply(x[i : i + 1], {k: v[i : i + 1] for k, v in params.items()})
    torch.testing.assert_close(yi, y[i : i + 1], atol=1e-6, rtol=0)


def test_bad_magnitude_and_unknown_op_raise_clear_errors():
    from augmentlab.errors import AugmentlabError

    with pytest.raises(AugmentlabError, match=r"m=1.5 is out of range"):
        create_op("rotate", m=1.5)
    with pytest.raises(AugmentlabError, match="unknown op 'rotat'"):
        create_op("rotat")
    with pytest.raises(AugmentlabError, match="has no argument 'degrees'"):
        create_op("rotate", degrees=3)
