"""Targets through the geometric ops' matrices: boxes against the warped mask of their
rectangle, keypoints against the pixel they painted, masks gain no values, and
albumentations (a test oracle) on the same parameters."""

import numpy as np
import pytest
import torch

from augmentlab.data.targets import Boxes, Keypoints, SemanticMask, Targets
from augmentlab.ops.image.targets import BoxFilter, map_boxes, map_keypoints, map_mask
from augmentlab.ops.kernels.warp import warp
from augmentlab.ops.registry import create_op
from augmentlab.policy.targets import apply_with_targets
from augmentlab.rng import torch_generator

H, W = 48, 64
AXIS_PRESERVING = ["hflip", "vflip", "pad_crop", "translate", "scale", "random_resized_crop"]
TURNING = ["rotate", "affine", "shear_x", "perspective"]


def _matrices(name: str, seed: int, batch: int = 6) -> torch.Tensor:
    op = create_op(name, m=0.4, p=1.0)
    params = op.sample(torch_generator(seed), batch, (3, H, W))
    return op.matrix({k: v for k, v in params.items() if k != "apply"}, (3, H, W))


def _rectangles(batch: int) -> tuple[Boxes, torch.Tensor]:
    """One box per image and the filled mask of exactly its pixels."""
    g = torch.Generator().manual_seed(batch)
    x1 = torch.randint(8, 30, (batch,), generator=g)
    y1 = torch.randint(8, 20, (batch,), generator=g)
    w, h = torch.randint(6, 20, (batch,), generator=g), torch.randint(6, 16, (batch,), generator=g)
    masks = torch.zeros(batch, H, W, dtype=torch.uint8)
    for i in range(batch):
        masks[i, y1[i] : y1[i] + h[i], x1[i] : x1[i] + w[i]] = 1
    boxes = Boxes.of(torch.stack([x1, y1, x1 + w, y1 + h], 1), torch.ones(batch), size=(H, W), offsets=torch.arange(batch + 1))
    return boxes, masks


def _mask_box(mask: np.ndarray):
    ys, xs = np.nonzero(mask)
    return None if len(xs) == 0 else np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float64)


@pytest.mark.parametrize("name", AXIS_PRESERVING + TURNING)
def test_a_box_follows_its_warped_rectangle(name):
    boxes, masks = _rectangles(6)
    forward = _matrices(name, seed=3)
    moved = map_boxes(boxes, forward)
    warped = map_mask(SemanticMask(masks, ignore=0), forward).values.numpy()
    for i in range(6):
        truth = _mask_box(warped[i])
        if truth is None:
            continue
        box = moved.xyxy[i].numpy().clip([0, 0, 0, 0], [W, H, W, H])
        if name in AXIS_PRESERVING:
            assert np.abs(box - truth).max() <= 1.0, (name, i, box, truth)
        else:  # the enclosing box of turned corners contains the turned rectangle
            assert box[0] <= truth[0] + 1 and box[1] <= truth[1] + 1 and box[2] >= truth[2] - 1 and box[3] >= truth[3] - 1


@pytest.mark.parametrize("name", AXIS_PRESERVING + TURNING)
def test_a_keypoint_lands_on_the_pixel_it_painted(name):
    forward = _matrices(name, seed=5)
    image = torch.zeros(6, 1, H, W)
    xs, ys = torch.tensor([20, 31, 40, 25, 33, 28]), torch.tensor([20, 24, 18, 30, 22, 25])
    image[torch.arange(6), 0, ys, xs] = 1.0
    points = Keypoints.of(torch.stack([xs, ys], 1).double(), size=(H, W), offsets=torch.arange(7))
    moved = map_keypoints(points, forward)
    warped = warp(image, forward)
    for i in range(6):
        if not bool(moved.visible[i]):
            continue
        x, y = moved.xy[i].tolist()
        peak = np.unravel_index(int(warped[i, 0].argmax()), (H, W))
        assert abs(peak[1] - x) <= 1 and abs(peak[0] - y) <= 1, (name, i)


def test_masks_gain_no_new_values_and_fill_with_ignore():
    values = torch.randint(0, 5, (4, H, W), generator=torch.Generator().manual_seed(0), dtype=torch.int64)
    out = map_mask(SemanticMask(values, ignore=255), _matrices("rotate", seed=1, batch=4))
    assert set(out.values.unique().tolist()) <= {0, 1, 2, 3, 4, 255} and 255 in out.values.unique().tolist()
    assert out.values.dtype == torch.int64


def test_zero_boxes_and_keypoints_off_the_image():
    empty = Boxes.of([[], []], [[], []], size=(H, W))
    assert map_boxes(empty, _matrices("rotate", seed=0, batch=2)).xyxy.shape == (0, 4)
    points = Keypoints.of([[[2.0, 2.0], [30.0, 20.0]]], size=(H, W))
    shifted = torch.eye(3, dtype=torch.float64).unsqueeze(0).clone()
    shifted[0, 0, 2] = -10.0
    hidden = map_keypoints(points, shifted)
    assert hidden.xy[0].tolist() == [-8.0, 2.0] and hidden.visible.tolist() == [False, True]  # kept where it went, not clamped
    assert map_keypoints(points, shifted, outside="drop").xy.tolist() == [[20.0, 20.0]]


def test_box_filter_clips_and_drops_with_labels():
    boxes = Boxes.of([[[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]]], [[1, 2, 3]], size=(H, W), fields={"id": [[7, 8, 9]]})
    # as a warp may leave them: half outside, mostly outside, inside but small
    moved = boxes.moved(torch.tensor([[-10.0, 0, 10, 10], [50, 40, 70, 56], [0, 0, 2, 2]], dtype=torch.float64))
    kept = BoxFilter(min_visibility=0.4, min_area=5)(moved)
    assert kept.labels.tolist() == [1] and kept.fields["id"].tolist() == [7] and kept.xyxy.tolist() == [[0.0, 0.0, 10.0, 10.0]]
    assert BoxFilter()(moved).labels.tolist() == [1, 2, 3]


def _albumentations_boxes(transform, boxes: np.ndarray, points: np.ndarray):
    A = pytest.importorskip("albumentations")
    pipeline = A.Compose([transform], bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], clip=False, filter_invalid_bboxes=False),
                         keypoint_params=A.KeypointParams(format="xy", remove_invisible=False))
    out = pipeline(image=np.zeros((H, W, 3), np.uint8), bboxes=boxes, labels=list(range(len(boxes))), keypoints=points)
    return np.asarray(out["bboxes"], dtype=np.float64), np.asarray(out["keypoints"], dtype=np.float64)[:, :2]


@pytest.mark.parametrize("name", ["hflip", "vflip"])
def test_flips_agree_with_albumentations(name):
    A = pytest.importorskip("albumentations")
    boxes = np.array([[3.0, 4.0, 20.0, 30.0], [40.0, 10.0, 64.0, 48.0]])
    points = np.array([[5.0, 7.0], [63.0, 0.0]])
    transform = A.HorizontalFlip(p=1.0) if name == "hflip" else A.VerticalFlip(p=1.0)
    ref_boxes, ref_points = _albumentations_boxes(transform, boxes, points)
    forward = _matrices(name, seed=0, batch=1)
    mine = map_boxes(Boxes.of([boxes], [[0, 1]], size=(H, W)), forward).xyxy.numpy()
    mine_points = map_keypoints(Keypoints.of([points], size=(H, W)), forward).xy.numpy()
    assert np.allclose(mine, ref_boxes, atol=1e-4) and np.allclose(mine_points, ref_points, atol=1e-4)


@pytest.mark.parametrize("name,params,theirs", [
    # albumentations turns counter-clockwise for a positive angle, augmentlab clockwise (y points down)
    ("rotate", {"degrees": torch.tensor([-30.0], dtype=torch.float64)}, {"rotate": (30, 30)}),
    ("scale", {"log2_scale": torch.tensor([np.log2(1.3)], dtype=torch.float64)}, {"scale": (1.3, 1.3)}),
    ("translate", {"tx": torch.tensor([5 / W], dtype=torch.float64), "ty": torch.tensor([-3 / H], dtype=torch.float64)},
     {"translate_px": {"x": (5, 5), "y": (-3, -3)}}),
])
def test_affine_maps_agree_with_albumentations(name, params, theirs):
    A = pytest.importorskip("albumentations")
    boxes = np.array([[20.0, 14.0, 40.0, 30.0], [30.0, 20.0, 44.0, 40.0]])
    points = np.array([[25.0, 20.0], [40.0, 30.0]])
    ref_boxes, ref_points = _albumentations_boxes(A.Affine(p=1.0, **theirs), boxes, points)
    forward = create_op(name).matrix(params, (3, H, W))
    mine = map_boxes(Boxes.of([boxes], [[0, 1]], size=(H, W)), forward).xyxy.numpy()
    mine_points = map_keypoints(Keypoints.of([points], size=(H, W)), forward).xy.numpy()
    assert np.allclose(mine, ref_boxes[:, :4], atol=1e-4) and np.allclose(mine_points, ref_points, atol=1e-4)


def test_the_torch_path_cuda_runs_warps_masks_alike():
    from augmentlab.ops.kernels.backend import torch_kernels

    values = torch.randint(0, 7, (3, H, W), generator=torch.Generator().manual_seed(2), dtype=torch.uint8)
    forward = _matrices("affine", seed=4, batch=3)
    native = map_mask(SemanticMask(values), forward).values
    with torch_kernels():
        portable = map_mask(SemanticMask(values), forward).values
    assert set(portable.unique().tolist()) <= set(range(7)) | {255}
    assert float((native != portable).float().mean()) < 0.01  # ties at half pixels may round apart


@pytest.mark.parametrize("name", ["elastic", "grid_distortion"])
def test_distortions_move_keypoints_onto_their_pixels_and_masks_with_the_field(name):
    op = create_op(name, m=0.6, p=1.0)
    params = op.sample(torch_generator(4), 6, (1, H, W))
    xs, ys = torch.tensor([20, 31, 40, 25, 33, 28]), torch.tensor([20, 24, 18, 30, 22, 25])
    image = torch.zeros(6, 1, H, W)
    image[torch.arange(6), 0, ys, xs] = 1.0
    mask = SemanticMask((image[:, 0] * 3).to(torch.uint8), ignore=255)
    points = Keypoints.of(torch.stack([xs, ys], 1).double(), size=(H, W), offsets=torch.arange(7))
    warped, moved = apply_with_targets(op, image, Targets(keypoints=points, mask=mask), params)
    for i in range(6):
        x, y = moved.keypoints.xy[i].tolist()
        peak = np.unravel_index(int(warped[i, 0].argmax()), (H, W))
        assert abs(peak[1] - x) <= 1 and abs(peak[0] - y) <= 1, (name, i)
    assert set(moved.mask.values.unique().tolist()) <= {0, 3, 255}


@pytest.mark.parametrize("spec", ["cutout(m=1,mark=true)", "grid_dropout(m=0.7,mark=true)", "cutout(m=1,fill=noise,mark=true)"])
def test_erasing_with_mark_hides_what_it_erased_in_masks_and_keypoints(spec):
    from augmentlab.policy import parse_policy
    from augmentlab.policy.targets import augment_with_targets

    x = torch.full((4, 1, 32, 32), 200, dtype=torch.uint8)
    points = Keypoints.of(torch.rand(80, 2, generator=torch.Generator().manual_seed(1)) * 31, size=(32, 32), offsets=torch.arange(0, 81, 20))
    targets = Targets(mask=SemanticMask(torch.ones(4, 32, 32, dtype=torch.uint8)), keypoints=points,
                      boxes=Boxes.of([[[1, 1, 10, 10]]] * 4, [[0]] * 4, size=(32, 32)))
    policy = parse_policy(spec)
    y, moved, params = augment_with_targets(policy, x, targets, torch.Generator().manual_seed(0))
    erased = policy.erased(params, x.shape) & params["apply"].view(-1, 1, 1)
    assert int(erased.sum()) > 0
    assert torch.equal(moved.mask.values == 255, erased)  # exactly the erased pixels lose their class
    xy = moved.keypoints.xy.round().long()
    on_erased = erased[moved.keypoints.image_of_row, xy[:, 1], xy[:, 0]]
    assert torch.equal(moved.keypoints.visible, ~on_erased) and torch.equal(moved.keypoints.xy, points.xy)
    assert torch.equal(moved.boxes.xyxy, targets.boxes.xyxy)
    unmarked = parse_policy(spec.replace("mark=true", "mark=false"))
    _, same, _ = augment_with_targets(unmarked, x, targets, torch.Generator().manual_seed(0))
    assert torch.equal(same.mask.values, targets.mask.values) and bool(same.keypoints.visible.all())
