"""Policies on images with targets: one draw for both, one move per fused warp, batched
equals per-sample, exact replay, and refusal by ops that do not say what they do."""

import json

import numpy as np
import pytest
import torch

from augmentlab.data.targets import AlignedImages, Boxes, Keypoints, SemanticMask, Targets
from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.ops.image.targets import BoxFilter
from augmentlab.policy import parse_policy
from augmentlab.policy.replay import params_from_json, params_to_json
from augmentlab.policy.targets import apply_with_targets, augment_with_targets
from augmentlab.rng import torch_generator

H, W, B = 48, 64, 6
POLICY = "hflip+affine(m=0.2)+brightness(m=0.5)"


def _batch():
    """Images with one bright rectangle each, its box, its mask (class 1) and its centre."""
    g = torch.Generator().manual_seed(1)
    x1, y1 = torch.randint(10, 30, (B,), generator=g), torch.randint(10, 20, (B,), generator=g)
    w, h = torch.randint(8, 20, (B,), generator=g), torch.randint(8, 16, (B,), generator=g)
    images = torch.zeros(B, 3, H, W, dtype=torch.uint8)
    mask = torch.zeros(B, H, W, dtype=torch.uint8)
    for i in range(B):
        images[i, :, y1[i] : y1[i] + h[i], x1[i] : x1[i] + w[i]] = 200
        mask[i, y1[i] : y1[i] + h[i], x1[i] : x1[i] + w[i]] = 1
    boxes = Boxes.of(torch.stack([x1, y1, x1 + w, y1 + h], 1), torch.arange(B), size=(H, W), offsets=torch.arange(B + 1),
                     fields={"area": (w * h).double()})
    points = Keypoints.of(torch.stack([x1 + w // 2, y1 + h // 2], 1).double(), size=(H, W), offsets=torch.arange(B + 1))
    return images, Targets(boxes=boxes, keypoints=points, mask=SemanticMask(mask, ignore=255))


def test_targets_follow_their_images():
    images, targets = _batch()
    policy = parse_policy(POLICY)
    out, moved, _ = augment_with_targets(policy, images, targets, torch_generator(0))
    for i in range(B):
        bright = out[i, 0].numpy() > 100
        labelled = moved.mask.values[i].numpy() == 1
        assert (bright != labelled).mean() < 0.03  # bilinear image edges against a nearest mask
        if bright.any():
            ys, xs = np.nonzero(bright)
            box = moved.boxes.per_image()[i]
            assert len(box) == 1 and box[0, 0] <= xs.min() + 1 and box[0, 2] >= xs.max() and box[0, 1] <= ys.min() + 1
            x, y = moved.keypoints.xy[i].round().long().tolist()
            assert bright[y, x]


def test_a_fused_run_moves_boxes_once():
    images, targets = _batch()
    there_and_back = parse_policy("rotate(m=0.3,mode=fixed)+rotate(m=0.3,mode=fixed)")
    params = there_and_back.sample(torch_generator(0), B, (3, H, W))
    params["children"][1]["degrees"] = -params["children"][0]["degrees"]
    _, moved = apply_with_targets(there_and_back, images, targets, params)
    # one composed matrix: the identity; op by op the enclosing boxes would have grown twice
    assert torch.allclose(moved.boxes.xyxy, targets.boxes.xyxy, atol=1e-9)


def test_batched_equals_per_sample_and_replay_is_exact():
    images, targets = _batch()
    policy = parse_policy("some_of(hflip,vflip,rotate(m=0.3),scale(m=0.2),n=2)+contrast(m=0.4)")
    out, moved, params = augment_with_targets(policy, images, targets, torch_generator(3))
    replayed = params_from_json(json.loads(json.dumps(params_to_json(params))))
    again, moved_again = apply_with_targets(policy, images, targets, replayed)
    assert torch.equal(again, out) and torch.equal(moved_again.boxes.xyxy, moved.boxes.xyxy)
    assert torch.equal(moved_again.mask.values, moved.mask.values)
    for i in range(B):
        idx = torch.tensor([i])
        one = _slice(params, idx)
        _, single = apply_with_targets(policy, images[idx], targets.images(idx), one)
        assert torch.equal(single.boxes.xyxy, moved.boxes.per_image()[i]) and torch.equal(single.mask.values[0], moved.mask.values[i])
        assert torch.equal(single.keypoints.xy, moved.keypoints.xy[i : i + 1])


def _slice(tree, idx):
    if isinstance(tree, torch.Tensor):
        return tree[idx]
    if isinstance(tree, dict):
        return {k: _slice(v, idx) for k, v in tree.items()}
    return [_slice(v, idx) for v in tree]


def test_labels_and_fields_travel_and_filters_drop_them():
    images, targets = _batch()
    shift = parse_policy("translate_x(m=1.0,mode=fixed)")
    params = shift.sample(torch_generator(0), B, (3, H, W))
    params["tx"] = torch.full((B,), 0.45, dtype=torch.float64)  # most boxes pushed off the right edge
    _, moved = apply_with_targets(shift, images, targets, params, box_filter=BoxFilter(min_visibility=0.5))
    survivors = moved.boxes.labels.tolist()
    assert len(survivors) < B
    assert moved.boxes.fields["area"].tolist() == targets.boxes.fields["area"][survivors].tolist()
    assert bool((moved.boxes.xyxy[:, 2] <= W).all())
    dropped = apply_with_targets(shift, images, targets, params, outside="drop")[1].keypoints
    assert len(dropped.xy) == int(moved.keypoints.visible.sum()) < B  # the ones that left are gone, not clamped


def test_zero_boxes_per_image_works():
    images, _ = _batch()
    empty = Targets(boxes=Boxes.of([[] for _ in range(B)], [[] for _ in range(B)], size=(H, W)))
    _, moved, _ = augment_with_targets(parse_policy(POLICY), images, empty, torch_generator(0))
    assert moved.boxes.xyxy.shape == (0, 4) and moved.boxes.offsets.tolist() == [0] * (B + 1)


def test_ops_without_a_rule_refuse_targets_and_sizes_must_match():
    images, targets = _batch()
    with pytest.raises(AugmentlabError, match="elastic bends the image along a curved field"):
        augment_with_targets(parse_policy("hflip+elastic"), images, targets, torch_generator(0))

    class Unsaid(Op):  # an op nobody asked about targets
        name, modality, magnitude, family, controls = "unsaid", "image", None, "photometric", "nothing"

        def sample_params(self, g, batch, shape):
            return {}

        def kernel(self, x, params):
            return x.clone()

    with pytest.raises(AugmentlabError, match="unsaid does not say what it does to keypoints"):
        augment_with_targets(Unsaid(), images, Targets(keypoints=targets.keypoints), torch_generator(0))
    with pytest.raises(AugmentlabError, match="boxes: given for 6 images of 64x48, but the batch has 5"):
        augment_with_targets(parse_policy("hflip"), images[:5], Targets(boxes=targets.boxes), torch_generator(0))


def test_mirroring_swaps_left_and_right_labels_and_a_double_flip_does_not():
    images, _ = _batch()
    LEFT_EYE, RIGHT_EYE, NOSE = 0, 1, 2
    points = Keypoints.of([[[10.0, 10.0], [20.0, 10.0], [15.0, 15.0]]] * B, size=(H, W), labels=[[LEFT_EYE, RIGHT_EYE, NOSE]] * B,
                          flip_pairs=[(LEFT_EYE, RIGHT_EYE)])
    mask = SemanticMask(torch.full((B, H, W), 3, dtype=torch.uint8), flip_pairs=[(3, 4)])
    boxes = Boxes.of([[[1, 1, 5, 5]]] * B, [[7]] * B, size=(H, W), flip_pairs=[(7, 8)])
    targets = Targets(boxes=boxes, keypoints=points, mask=mask)
    flip = parse_policy("hflip(p=0.5)")
    params = flip.sample(torch_generator(0), B, (3, H, W))
    _, moved = apply_with_targets(flip, images, targets, params)
    flipped = params["apply"]
    assert moved.boxes.labels.tolist() == [8 if f else 7 for f in flipped.tolist()]
    assert moved.keypoints.labels.view(B, 3).tolist() == [[1, 0, 2] if f else [0, 1, 2] for f in flipped.tolist()]
    assert moved.mask.values[flipped].unique().tolist() in ([4], [4, 255]) and moved.mask.values[~flipped].unique().tolist() == [3]
    twice = parse_policy("hflip(p=1)+vflip(p=1)+hflip(p=1)")  # one fused warp: mirrored once overall
    _, moved = apply_with_targets(twice, images, targets, twice.sample(torch_generator(0), B, (3, H, W)))
    assert moved.boxes.labels.tolist() == [8] * B
    with pytest.raises(AugmentlabError, match="flip_pairs: every label may appear in one pair only"):
        Boxes.of([[[1, 1, 5, 5]]], [[7]], size=(H, W), flip_pairs=[(7, 8), (8, 9)])


def test_instance_masks_move_with_their_boxes_and_give_them_under_distortion():
    images, targets = _batch()
    instance = targets.mask.values.clone()  # one object per image: its rectangle
    boxes = Boxes.of(targets.boxes.xyxy, targets.boxes.labels, size=(H, W), offsets=targets.boxes.offsets, masks=instance, rebox=True)
    policy = parse_policy("rotate(m=0.2)+elastic(m=0.3)")
    _, moved, _ = augment_with_targets(policy, images, Targets(boxes=boxes), torch_generator(1))
    assert moved.boxes.masks.shape == (len(moved.boxes.labels), H, W)
    for box, mask in zip(moved.boxes.xyxy, moved.boxes.masks):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        assert box.tolist() == [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
    plain = Targets(boxes=Boxes.of(targets.boxes.xyxy, targets.boxes.labels, size=(H, W), offsets=targets.boxes.offsets))
    with pytest.raises(AugmentlabError, match="give instance masks to re-box from"):
        augment_with_targets(policy, images, plain, torch_generator(1))
    with pytest.raises(AugmentlabError, match="masks: expected one 64x48 instance mask per box"):
        Boxes.of(targets.boxes.xyxy, targets.boxes.labels, size=(H, W), offsets=targets.boxes.offsets, masks=instance[:2])


def test_an_aligned_depth_map_moves_like_its_image_but_keeps_its_values():
    images, _ = _batch()
    depth = images[:, :1].clone()  # the same picture, as a one-channel map
    policy = parse_policy("hflip+affine(m=0.2)+brightness(m=0.6)+elastic(m=0.2)")
    out, moved, params = augment_with_targets(policy, images, Targets(aligned=AlignedImages(depth)), torch_generator(5))
    geometric_only = parse_policy("hflip+affine(m=0.2)+brightness(m=0.6)+elastic(m=0.2)")
    params["children"][2]["apply"][:] = False  # what the images get without the brightness change
    same_moves, _ = apply_with_targets(geometric_only, images, Targets(), params)
    assert torch.equal(moved.aligned.values, same_moves[:, :1])
