import json

import pytest
import torch

from augmentlab.ops import REGISTRY, create_op
from augmentlab.policy import params_from_json, params_to_json
from tests.conftest import images


def test_mixup_soft_labels_sum_to_one_and_match_lambda():
    x = images(8, 3, (16, 16), torch.float32)
    y = torch.arange(8) % 4
    op = create_op("mixup", m=0.4)
    params = op.sample(torch.Generator().manual_seed(0), 8, (3, 16, 16))
    mixed, soft = op.apply_mix(x, y, 4, params)
    assert torch.allclose(soft.sum(1), torch.ones(8))
    lam = params["lam"].float()
    perm = params["perm"]
    torch.testing.assert_close(mixed, lam.view(-1, 1, 1, 1) * x + (1 - lam.view(-1, 1, 1, 1)) * x[perm], atol=1e-5, rtol=0)


def test_cutmix_label_weight_equals_pasted_area():
    x = torch.zeros(6, 1, 20, 20)
    x[::2] = 1.0  # even samples white, odd black
    y = torch.arange(6) % 2
    op = create_op("cutmix", m=1.0)
    params = op.sample(torch.Generator().manual_seed(2), 6, (1, 20, 20))
    mixed, soft = op.apply_mix(x, y, 2, params)
    assert torch.allclose(soft.sum(1), torch.ones(6))
    for i in range(6):
        j = int(params["perm"][i])
        own = (mixed[i] == x[i]).float().mean() if y[i] != y[j] else None
        if own is not None:
            assert abs(float(soft[i, y[i]]) - float(own)) < 1e-6


def test_mix_with_m_zero_is_identity():
    x = images(4, 3, (8, 8))
    mixed, soft = create_op("mixup", m=0.0).mix(x, torch.arange(4), 4, torch.Generator().manual_seed(0))
    assert torch.equal(mixed, x) and torch.equal(soft, torch.eye(4))


MIX_OPS = sorted(n for n, c in REGISTRY.items() if c.family == "mix")


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
@pytest.mark.parametrize("name", MIX_OPS)
def test_mix_contract(name, dtype):
    # Mixing reads other samples by design, so "batched equals per-sample" does not apply.
    x = images(8, 3, (16, 16), dtype)
    y = torch.arange(8) % 3
    op = create_op(name, m=0.7)
    params = op.sample(torch.Generator().manual_seed(4), 8, (3, 16, 16))
    before = x.clone()
    mixed, soft = op.apply_mix(x, y, 3, params)
    assert torch.equal(x, before)
    assert mixed.shape == x.shape and mixed.dtype == x.dtype and not torch.isnan(soft).any()
    assert torch.allclose(soft.sum(1), torch.ones(8)) and float(soft.min()) >= 0
    again = op.apply_mix(x, y, 3, op.sample(torch.Generator().manual_seed(4), 8, (3, 16, 16)))
    assert torch.equal(again[0], mixed) and torch.equal(again[1], soft)
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    assert torch.equal(op.apply_mix(x, y, 3, replayed)[0], mixed)


def test_mixup_mixes_batches_of_any_rank_by_the_same_weight_as_the_labels():
    x = torch.rand(6, 2, 50)  # waveforms or series: (N, C, T)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    op = create_op("mixup", m=0.4)
    params = op.sample(torch.Generator().manual_seed(1), 6, (2, 50))
    mixed, soft = op.apply_mix(x, y, 3, params)
    lam, perm = params["lam"].float(), params["perm"]
    expected = lam.view(-1, 1, 1) * x + (1 - lam.view(-1, 1, 1)) * x[perm]
    torch.testing.assert_close(mixed, expected)
    torch.testing.assert_close(soft.sum(1), torch.ones(6))
    torch.testing.assert_close(soft[torch.arange(6), y] >= lam - 1e-6, torch.ones(6, dtype=torch.bool))
