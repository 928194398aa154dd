"""The contract every op of every modality keeps, fed by the modality fixtures in
tests/contract_ops.py: purity, seeding, batched = per sample, exact replay from JSON,
string, dict and YAML round trips, p = 0 and (where declared) m = 0 identity, and pickling.
Presets and batch-level ops get the parts that apply to them."""

import json
import pickle

import pytest
import yaml

from augmentlab.modality import modalities
from augmentlab.ops import create_op
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.registry import op_class, op_classes
from augmentlab.policy import params_from_json, params_to_json, parse_policy
from augmentlab.policy.spec import policy_from_dict
from augmentlab.rng import torch_generator
from tests.contract_ops import BATCH_OPS, CASES, FIXTURES, PRESETS


def _draw(op, x, seed):
    return op.sample(torch_generator(seed), len(x), tuple(x.shape[1:]))


def _op(kind, name, **kwargs):
    return create_op(name, kind, **kwargs, **FIXTURES[kind].args.get(name, {}))


def _node(policy):
    """A lone feature op parses as a training policy around it (only a trainer applies it)."""
    from augmentlab.policy.training import TrainingPolicy

    if isinstance(policy, TrainingPolicy) and policy.image is None and not policy.batch_ops:
        return policy.features
    return policy


def test_every_registered_modality_has_a_fixture_and_every_op_is_swept():
    # a kind that takes another kind's ops (annotated images take the image ops) is swept with
    # that kind; its targets have their own contract (tests/ops/test_contract_targets.py)
    assert sorted(FIXTURES) == sorted(m.name for m in modalities() if m.ops == m.name)
    assert all(m.ops in FIXTURES for m in modalities())
    swept = {op_class(name, kind) for kind, name in CASES} | {c for c in op_classes() if is_batch_op(c)}
    needs_a_model = {c for c in op_classes() if c.family == "model"}  # tests/ops/test_text_models.py
    assert set(op_classes()) - swept == needs_a_model


@pytest.mark.parametrize("kind,name", CASES)
def test_pure_seeded_and_batched_equals_per_sample(kind, name):
    fx = FIXTURES[kind]
    x = fx.batch_for(name, 0)
    before = fx.batch_for(name, 0)
    op = _op(kind, name, m=0.6, p=0.8)
    params = _draw(op, x, 3)
    y = op.apply(x, params)
    assert fx.equal(x, before), "ops must not change their input"
    assert fx.equal(op.apply(x, _draw(op, x, 3)), y), "the same seed must give the same output"
    assert type(y) is type(x) and len(y) == len(x)
    for i in range(len(x)):
        one = op.apply(x[i : i + 1], {k: v[i : i + 1] for k, v in params.items()})
        assert fx.equal(one, y[i : i + 1]), (name, i)


@pytest.mark.parametrize("kind,name", CASES)
def test_replay_from_json_and_round_trips(kind, name):
    fx = FIXTURES[kind]
    x = fx.batch_for(name, 1)
    op = _op(kind, name, m=0.35, p=0.7)
    params = _draw(op, x, 5)
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    assert fx.equal(op.apply(x, replayed), op.apply(x, params))
    assert _node(parse_policy(op.to_spec(), kind)) == op
    assert policy_from_dict(op.to_dict(), modality=kind) == op
    assert policy_from_dict(yaml.safe_load(yaml.safe_dump(op.to_dict())), modality=kind) == op


@pytest.mark.parametrize("kind,name", CASES)
def test_p_zero_and_declared_m_zero_change_nothing(kind, name):
    fx = FIXTURES[kind]
    x = fx.batch_for(name, 2)
    assert fx.equal(_op(kind, name, m=0.9, p=0.0)(x, torch_generator(0)), x)
    if op_class(name, kind).identity_at_zero:
        assert fx.equal(_op(kind, name, m=0.0)(x, torch_generator(0)), x)


@pytest.mark.parametrize("kind,name", CASES)
def test_pickled_op_is_equal_and_draws_alike(kind, name):
    fx = FIXTURES[kind]
    x = fx.batch_for(name, 3)
    op = _op(kind, name, m=0.5)
    copy = pickle.loads(pickle.dumps(op))
    assert copy == op and fx.equal(copy(x, torch_generator(7)), op(x, torch_generator(7)))


@pytest.mark.parametrize("spec", PRESETS)
def test_presets_round_trip_pickle_and_replay(spec):
    fx = FIXTURES["image"]
    x = fx.batch(4)
    policy = parse_policy(spec)
    assert parse_policy(policy.to_spec()) == policy and policy.to_spec() == spec
    assert policy_from_dict(yaml.safe_load(yaml.safe_dump(policy.to_dict()))) == policy
    copy = pickle.loads(pickle.dumps(policy))
    params = _draw(policy, x, 9)
    assert copy == policy and fx.equal(copy.apply(x, _draw(copy, x, 9)), policy.apply(x, params))
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    assert fx.equal(policy.apply(x, replayed), policy.apply(x, params))


@pytest.mark.parametrize("name", BATCH_OPS)
def test_training_policies_round_trip_through_strings_dicts_and_yaml(name):
    for spec in (f"affine(m=0.1)+{name}(m=0.2)", f"hflip+rotate(m=0.3)+{name}", f"{name}(m=0.4)"):
        policy = parse_policy(spec)
        assert parse_policy(policy.to_spec()) == policy
        assert policy_from_dict(yaml.safe_load(yaml.safe_dump(policy.to_dict()))) == policy
        assert pickle.loads(pickle.dumps(policy)) == policy
