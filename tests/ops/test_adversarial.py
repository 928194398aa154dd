import pytest
import torch
import torch.nn.functional as F

from augmentlab.errors import AugmentlabError
from augmentlab.ops import create_op
from augmentlab.train.models import build_model
from augmentlab.train.trainer import normalise
from tests.conftest import images


def _model():
    torch.manual_seed(0)
    return build_model("cnn", (3, 16, 16), 4).eval()


def _loss(model, x, y):
    with torch.no_grad():
        return float(F.cross_entropy(model(normalise(x)), y))


@pytest.mark.parametrize("spec", [{"name": "fgsm"}, {"name": "fgsm", "random_start": True}, {"name": "pgd", "steps": 3}])
def test_attack_stays_in_the_eps_ball_raises_the_loss_and_leaves_the_input_alone(spec):
    model = _model()
    x, y = images(8, 3, (16, 16)), torch.arange(8) % 4
    before = x.clone()
    op = create_op(spec["name"], m=0.2, **{k: v for k, v in spec.items() if k != "name"})
    adv = op.perturb(model, x, y, torch.Generator().manual_seed(0), normalise)
    x0 = x.float() / 255
    assert torch.equal(x, before) and adv.dtype == torch.float32 and adv.shape == x.shape
    assert float((adv - x0).abs().max()) <= op.eps + 1e-6 and 0 <= float(adv.min()) and float(adv.max()) <= 1
    assert _loss(model, adv, y) > _loss(model, x0, y)
    again = op.perturb(model, x, y, torch.Generator().manual_seed(0), normalise)
    assert torch.equal(adv, again)
    assert not model.training  # the attack restores the model's mode


def test_m_zero_and_p_zero_leave_the_batch_clean():
    model, x, y = _model(), images(4, 3, (16, 16)), torch.arange(4)
    for op in (create_op("fgsm", m=0.0), create_op("pgd", m=0.5, p=0.0)):
        assert torch.equal(op.perturb(model, x, y, torch.Generator().manual_seed(0), normalise), x.float() / 255)


def test_adversarial_ops_need_the_model():
    with pytest.raises(AugmentlabError, match="needs the model"):
        create_op("fgsm", m=0.3)(images(2), torch.Generator().manual_seed(0))
    with pytest.raises(AugmentlabError, match="steps"):
        create_op("pgd", steps=0)
