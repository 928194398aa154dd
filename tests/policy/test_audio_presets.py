import pickle

import pytest
import torch
import yaml

from augmentlab.errors import AugmentlabError
from augmentlab.modality.audio import at_rate
from augmentlab.policy import parse_policy
from augmentlab.policy.spec import policy_from_dict
from augmentlab.policy.training import TrainingPolicy
from augmentlab.rng import torch_generator
from tests.contract_ops import FIXTURES


def test_rand_and_trivial_draw_from_the_data_kind_s_ops():
    rand = parse_policy("rand-n2-m0.5", "audio")
    names = {op.name for op in rand.ops()}
    assert {"gain", "noise", "pitch_shift", "time_stretch", "reverb"} <= names and "rotate" not in names
    gain = next(op for op in rand.ops() if op.name == "gain")
    assert gain.m == 0.5 and gain.mode == "fixed"  # half of audiomentations' ±12 dB
    assert {op.name for op in parse_policy("trivial", "audio").ops()} == names
    assert "rotate" in {op.name for op in parse_policy("rand-n2-m0.5").ops()}  # images by default
    with pytest.raises(AugmentlabError, match="rand is defined for image, series or audio data, not text"):
        parse_policy("rand-n2-m0.5", "text")


@pytest.mark.parametrize("spec", ["rand-n2-m0.5", "trivial", "specaugment-lb", "specaugment-ld", "gain(m=0.2)+specaugment-lb+mixup(m=0.2)"])
def test_audio_presets_round_trip_and_pickle(spec):
    policy = parse_policy(spec, "audio")
    assert policy.to_spec() == spec
    assert parse_policy(policy.to_spec(), "audio") == policy
    assert policy_from_dict(yaml.safe_load(yaml.safe_dump(policy.to_dict())), modality="audio") == policy
    assert pickle.loads(pickle.dumps(policy)) == policy


def test_specaugment_is_a_feature_stage_with_the_paper_s_masks():
    lb, ld = parse_policy("specaugment-lb", "audio"), parse_policy("specaugment-ld", "audio")
    assert isinstance(lb, TrainingPolicy) and lb.image is None and not lb.batch_ops
    assert [op.name for op in lb.ops()] == ["time_warp", "freq_mask", "time_mask"]
    assert [getattr(op, "masks", None) for op in ld.ops()] == [None, 2, 2]
    feats = FIXTURES["audio"].features(0)
    out = lb.features(feats, torch_generator(0))
    assert out.shape == feats.shape and not torch.equal(out, feats)


def test_mixup_mixes_waveforms_in_range():
    policy = parse_policy("mixup(m=0.4)", "audio")
    x = FIXTURES["audio"].batch(0)
    with at_rate(16000):
        mixed, soft = policy.batch_ops[0].apply_batch(x, torch.arange(len(x)) % 3, 3, torch_generator(0))
    assert mixed.dtype == x.dtype and mixed.abs().max() <= 1.0 and torch.allclose(soft.sum(1), torch.ones(len(x)))
