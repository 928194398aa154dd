import pytest
import torch

from augmentlab.ops import create_op
from augmentlab.ops.fusion import fuser_for, register_fuser
from augmentlab.ops.image.fusion import fuse_image_ops
from augmentlab.policy import parse_policy
from augmentlab.rng import torch_generator


def test_a_sequence_uses_the_fuser_of_its_ops_modality():
    assert fuser_for([create_op("rotate"), create_op("brightness")]) is fuse_image_ops
    assert fuser_for([create_op("swap"), create_op("typo")]) is None  # text runs op by op
    assert fuser_for([create_op("rotate"), create_op("swap")]) is None
    with pytest.raises(ValueError, match="already registered"):
        register_fuser("image", fuse_image_ops)


def test_the_fused_sequence_equals_op_by_op_application():
    x = torch.randint(0, 256, (8, 3, 20, 20), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    policy = parse_policy("hflip+translate_x(m=0.3)+brightness(m=0.4)+contrast(m=0.3)")
    params = policy.sample(torch_generator(1), 8, (3, 20, 20))
    fused = policy.apply(x, params)
    one_by_one = x
    for child, cp in zip(policy.children, params["children"]):
        one_by_one = child.apply(one_by_one, cp)
    assert (fused.int() - one_by_one.int()).abs().max() <= 1  # one LUT instead of two roundings
