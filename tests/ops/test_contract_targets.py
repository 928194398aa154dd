"""The target contract, swept over every registered image op: each either says what it
does to boxes, keypoints and masks or refuses them by name; those that say keep masks to
their values, work with no boxes, give the same targets batched and one by one, and
replay exactly. Geometric ops move boxes with their rectangles (tests/ops/image)."""

import json

import pytest
import torch

from augmentlab.data.targets import AlignedImages, Boxes, Keypoints, SemanticMask, Targets
from augmentlab.errors import AugmentlabError
from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.registry import REGISTRY, create_op
from augmentlab.ops.targets import handles
from augmentlab.policy.replay import params_from_json, params_to_json
from augmentlab.policy.targets import apply_with_targets
from augmentlab.rng import torch_generator

H, W, B = 32, 40, 4
IMAGE_OPS = sorted(name for name, cls in REGISTRY.items() if cls.modality == "image" and not is_batch_op(cls))
# a curved displacement field gives no exact new box: these move masks and keypoints only
REFUSING_BOXES = {"elastic", "grid_distortion"}


def _batch():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (B, 3, H, W), generator=g, dtype=torch.uint8)
    boxes = Boxes.of([[[4, 4, 20, 16], [10, 12, 30, 28]], [], [[0, 0, 40, 32]], [[5, 6, 9, 30]]], [[1, 2], [], [3], [4]], size=(H, W))
    points = Keypoints.of([[[5.0, 5.0]], [[20.0, 10.0], [39.0, 31.0]], [], [[0.0, 0.0]]], size=(H, W))
    mask = SemanticMask(torch.randint(0, 4, (B, H, W), generator=g, dtype=torch.uint8), ignore=255)
    return images, Targets(boxes=boxes, keypoints=points, mask=mask)


@pytest.mark.parametrize("name", IMAGE_OPS)
def test_every_image_op_moves_targets_or_refuses_them(name):
    images, targets = _batch()
    op = create_op(name, m=0.5, p=0.7)
    assert all(handles(op, t) for t in (Boxes, Keypoints, SemanticMask, AlignedImages)), f"{name} must say what it does to every kind of target"
    params = op.sample(torch_generator(2), B, (3, H, W))
    if name in REFUSING_BOXES:
        with pytest.raises(AugmentlabError, match=f"{name} bends the image"):
            apply_with_targets(op, images, targets, params)
        targets = Targets(keypoints=targets.keypoints, mask=targets.mask)
    out, moved = apply_with_targets(op, images, targets, params)
    assert set(moved.mask.values.unique().tolist()) <= {0, 1, 2, 3, 255}
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    _, again = apply_with_targets(op, images, targets, replayed)
    assert torch.equal(again.keypoints.xy, moved.keypoints.xy) and torch.equal(again.mask.values, moved.mask.values)
    for i in range(B):
        idx = torch.tensor([i])
        _, one = apply_with_targets(op, images[idx], targets.images(idx), {k: v[idx] for k, v in params.items()})
        assert torch.equal(one.mask.values[0], moved.mask.values[i]), (name, i)
        assert torch.equal(one.keypoints.xy, moved.keypoints.xy[moved.keypoints.offsets[i] : moved.keypoints.offsets[i + 1]])
        if moved.boxes is not None:
            assert torch.equal(one.boxes.xyxy, moved.boxes.per_image()[i]), (name, i)
            assert torch.equal(again.boxes.xyxy, moved.boxes.xyxy)
