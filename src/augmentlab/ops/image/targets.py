"""How the image ops move targets. Geometric ops move them through the same forward
matrices (B, 3, 3) that warp the images: keypoints exactly, boxes by their four corners
(the enclosing box of the moved corners), semantic masks by a nearest-neighbour warp that
fills uncovered pixels with the mask's ignore value. Ops that change pixel values
(photometric, noise, blur, erasing) leave every target where it is. ``BoxFilter`` then
clips boxes to the image and drops the ones too small or too hidden, with their labels
and fields.

Instance masks (``Boxes.masks``) move with their boxes, nearest neighbour, and with
``rebox`` give the boxes. Elastic and grid distortion move masks through their
displacement field and keypoints by inverting it; boxes under them are re-boxed from their
instance masks, or refused when there are none (a curved field gives no exact box).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from augmentlab.data.targets import AlignedImages, Boxes, Keypoints, SemanticMask, Targets, bounding_boxes, swap_pairs
from augmentlab.errors import AugmentlabError
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.image.distort import DistortOp
from augmentlab.ops.image.erase import EraseOp
from augmentlab.ops.image.geometric import GeometricOp, Identity
from augmentlab.ops.image.noise import GaussianBlur, GaussianNoise
from augmentlab.ops.image.photometric import ColourOp, Sharpness
from augmentlab.ops.image.point import PointOp
from augmentlab.ops.kernels.warp import remap, warp
from augmentlab.ops.targets import target_rule, unchanged

OUTSIDE = ("hide", "drop")  # what happens to a keypoint moved off the image


def map_points(xy: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
    """Points (N, 2) at pixel centres through their own forward matrices (N, 3, 3)."""
    homogeneous = torch.cat([xy, torch.ones(len(xy), 1, dtype=xy.dtype)], dim=1)
    moved = torch.einsum("nij,nj->ni", forward.to(xy.dtype), homogeneous)
    return moved[:, :2] / moved[:, 2:3]


def map_boxes(boxes: Boxes, forward: torch.Tensor, size: tuple[int, int] | None = None) -> Boxes:
    """Every box through its image's forward matrix: the four corners move (box edges sit
    half a pixel from the centres the matrices map) and the new box encloses them. Not
    clipped: ``BoxFilter`` does that and knows how much of each box left the image."""
    rows = boxes.image_of_row
    x1, y1, x2, y2 = boxes.xyxy.unbind(1)
    corners = torch.stack([torch.stack(c, 1) for c in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))], 1) - 0.5  # (N, 4, 2)
    moved = map_points(corners.reshape(-1, 2), forward[rows].repeat_interleave(4, dim=0)).view(-1, 4, 2) + 0.5
    xyxy = torch.cat([moved.amin(1), moved.amax(1)], dim=1)
    out = boxes.moved(xyxy, size)
    if boxes.masks is not None:
        out = with_instance_masks(out, warp(boxes.masks.unsqueeze(1), forward[rows], nearest=True, fill=0).squeeze(1))
    if boxes.flip_pairs:
        out = replace(out, labels=swap_pairs(boxes.labels, boxes.flip_pairs, mirrored(forward)[rows]))
    return out


def with_instance_masks(boxes: Boxes, masks: torch.Tensor) -> Boxes:
    """``boxes`` carrying their moved instance ``masks``; re-boxed from them with ``rebox``."""
    out = replace(boxes, masks=masks)
    return out.moved(bounding_boxes(masks)) if boxes.rebox else out


def on_image(xy: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N,) True for points at pixel centres that lie on an image of ``size`` (H, W): within
    the pixel they would be drawn on."""
    H, W = size
    return (xy[:, 0] >= -0.5) & (xy[:, 0] < W - 0.5) & (xy[:, 1] >= -0.5) & (xy[:, 1] < H - 0.5)


def map_keypoints(points: Keypoints, forward: torch.Tensor, size: tuple[int, int] | None = None, outside: str = "hide") -> Keypoints:
    """Every keypoint through its image's forward matrix, exactly. A point that lands off
    the image keeps its position and becomes invisible (``outside="hide"``) or is removed
    (``"drop"``); it is never clamped to the border."""
    if outside not in OUTSIDE:
        raise AugmentlabError(f"outside: {outside!r} is unknown; expected one of {', '.join(OUTSIDE)}", field="outside")
    H, W = size if size is not None else points.size
    xy = map_points(points.xy, forward[points.image_of_row])
    inside = on_image(xy, (H, W))
    labels = points.labels
    if points.flip_pairs:
        labels = swap_pairs(labels, points.flip_pairs, mirrored(forward)[points.image_of_row])
    moved = replace(points, xy=xy, visible=points.visible & inside, size=(H, W), labels=labels)
    return moved.keep(inside) if outside == "drop" else moved


def map_mask(mask: SemanticMask, forward: torch.Tensor) -> SemanticMask:
    """The mask through the same matrices, nearest neighbour, ``ignore`` where nothing maps:
    it gains no value it did not have, except the ignore value."""
    moved = _label_map(mask, lambda values: warp(values, forward, nearest=True, fill=mask.ignore))
    if mask.flip_pairs:
        moved = replace(moved, values=swap_pairs(moved.values, mask.flip_pairs, mirrored(forward).view(-1, 1, 1)))
    return moved


def mirrored(forward: torch.Tensor) -> torch.Tensor:
    """(B,) True where a forward matrix mirrors the image (its determinant is negative):
    left and right trade places, so labels given in ``flip_pairs`` swap."""
    return torch.linalg.det(forward.double()) < 0


def _label_map(mask: SemanticMask, resample) -> SemanticMask:
    """``resample`` (B, 1, H, W) -> (B, 1, H, W) on the mask's values; OpenCV resamples
    8- and 16-bit and int32 label maps, so int64 ids go through int32."""
    values = mask.values
    wide = values.dtype == torch.int64
    if wide and values.numel() and (int(values.max()) >= 2**31 or int(values.min()) < -(2**31)):
        raise AugmentlabError("mask: class ids must fit in 32 bits", field="mask")
    work = values.to(torch.int32) if wide else values
    return replace(mask, values=resample(work.unsqueeze(1)).squeeze(1).to(values.dtype))


def invert_coords(coords: torch.Tensor, points: Keypoints, iterations: int = 20) -> torch.Tensor:
    """Where each keypoint goes under a dense map whose output pixel p reads the source at
    ``coords[p]`` (B, H, W, 2): the p with coords(p) = keypoint, by Newton's method on
    c(p) = p + d(p), the displacement d read bilinearly between pixels and held constant
    past the border, its Jacobian by central differences. (A plain fixed-point iteration
    diverges where a strong elastic field stretches by more than a pixel per pixel.)"""
    B, H, W, _ = coords.shape
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float64), torch.arange(W, dtype=torch.float64), indexing="ij")
    disp = coords.double().cpu() - torch.stack([xs, ys], -1)
    rows, k = points.image_of_row, points.xy
    c = lambda q: q + _bilinear(disp, rows, q)  # noqa: E731
    step_x, step_y = torch.tensor([0.5, 0.0], dtype=torch.float64), torch.tensor([0.0, 0.5], dtype=torch.float64)
    p = k.clone()
    for _ in range(iterations):
        r = c(p) - k
        moving = r.abs().amax(1, keepdim=True) >= 1e-9  # each point stops on its own: batch-independent
        if not bool(moving.any()):
            break
        jx, jy = c(p + step_x) - c(p - step_x), c(p + step_y) - c(p - step_y)  # columns of the Jacobian, times 1
        det = jx[:, 0] * jy[:, 1] - jy[:, 0] * jx[:, 1]
        safe = det.abs() > 1e-9
        det = torch.where(safe, det, torch.ones_like(det))
        delta = torch.stack([r[:, 0] * jy[:, 1] - jy[:, 0] * r[:, 1], jx[:, 0] * r[:, 1] - r[:, 0] * jx[:, 1]], 1) / det.unsqueeze(1)
        step = torch.where(safe.unsqueeze(1), delta, r)  # where the field folds, a plain step
        p = torch.where(moving, p - step, p)
    return p


def _bilinear(field: torch.Tensor, rows: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
    """``field`` (B, H, W, 2) read at (x, y) of image ``rows``, clamped to the image."""
    B, H, W, _ = field.shape
    x, y = xy[:, 0].clamp(0, W - 1), xy[:, 1].clamp(0, H - 1)
    x0, y0 = x.floor().long().clamp(max=W - 2) if W > 1 else x.long(), y.floor().long().clamp(max=H - 2) if H > 1 else y.long()
    ax, ay = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)
    x1, y1 = (x0 + 1).clamp(max=W - 1), (y0 + 1).clamp(max=H - 1)
    top = field[rows, y0, x0] * (1 - ax) + field[rows, y0, x1] * ax
    bottom = field[rows, y1, x0] * (1 - ax) + field[rows, y1, x1] * ax
    return top * (1 - ay) + bottom * ay


@dataclass(frozen=True)
class BoxFilter:
    """What happens to boxes after the warp, as albumentations' ``BboxParams``: clip them
    to the image (``clip``), then keep only those with at least ``min_area`` pixels,
    ``min_width`` and ``min_height`` pixels, and at least ``min_visibility`` of the moved
    box's area still inside the image. A dropped box takes its label and fields with it."""

    min_area: float = 0.0
    min_visibility: float = 0.0
    min_width: float = 0.0
    min_height: float = 0.0
    clip: bool = True

    def __post_init__(self):
        for name in ("min_area", "min_visibility", "min_width", "min_height"):
            value = getattr(self, name)
            if not value >= 0 or (name == "min_visibility" and value > 1):
                raise AugmentlabError(f"{name}: {value!r} must be {'in [0, 1]' if name == 'min_visibility' else '>= 0'}", field=name)

    def __call__(self, boxes: Boxes) -> Boxes:
        H, W = boxes.size
        xyxy = boxes.xyxy
        limits = torch.tensor([W, H, W, H], dtype=xyxy.dtype)
        clipped = torch.minimum(torch.maximum(xyxy, torch.zeros(4, dtype=xyxy.dtype)), limits)
        width, height = (clipped[:, 2] - clipped[:, 0]).clamp_min(0), (clipped[:, 3] - clipped[:, 1]).clamp_min(0)
        area = width * height
        full = ((xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])).clamp_min(1e-12)
        keep = (area > 0) & (area >= self.min_area) & (width >= self.min_width) & (height >= self.min_height)
        keep &= area / full >= self.min_visibility
        return boxes.moved(clipped if self.clip else xyxy).keep(keep)


def through_matrix(targets: Targets, forward: torch.Tensor) -> Targets:
    """Every target of a batch through the images' forward matrices (B, 3, 3)."""
    return Targets(
        boxes=None if targets.boxes is None else map_boxes(targets.boxes, forward),
        keypoints=None if targets.keypoints is None else map_keypoints(targets.keypoints, forward),
        mask=None if targets.mask is None else map_mask(targets.mask, forward),
        aligned=None if targets.aligned is None else AlignedImages(warp(targets.aligned.values, forward)),
    )


def applied_matrix(op: GeometricOp, params: dict, shape: tuple[int, ...]) -> torch.Tensor:
    """The op's forward matrices, the identity where its ``apply`` mask is False."""
    m = op.matrix({k: v for k, v in params.items() if k != "apply"}, shape)
    return torch.where(params["apply"].view(-1, 1, 1), m, mx.IDENTITY)


@target_rule(GeometricOp, Boxes)
def _geometric_boxes(op, boxes, params, shape):
    return map_boxes(boxes, applied_matrix(op, params, shape))


@target_rule(GeometricOp, Keypoints)
def _geometric_keypoints(op, points, params, shape):
    return map_keypoints(points, applied_matrix(op, params, shape))


@target_rule(GeometricOp, SemanticMask)
def _geometric_mask(op, mask, params, shape):
    return map_mask(mask, applied_matrix(op, params, shape))


@target_rule(GeometricOp, AlignedImages)
def _geometric_aligned(op, aligned, params, shape):
    return AlignedImages(warp(aligned.values, applied_matrix(op, params, shape)))


target_rule((PointOp, ColourOp, Sharpness, GaussianNoise, GaussianBlur, Identity),
            (Boxes, Keypoints, SemanticMask, AlignedImages))(unchanged)
target_rule(EraseOp, (Boxes, AlignedImages))(unchanged)


def _hidden(op: EraseOp, params, shape) -> torch.Tensor:
    """(B, H, W) the pixels ``op`` erased in the images it applied to."""
    return op.erased(params, shape) & params["apply"].view(-1, 1, 1)


@target_rule(EraseOp, SemanticMask)
def _erase_mask(op, mask, params, shape):
    """With ``mark``, erased pixels have no class any more: they take the ignore value."""
    if not op.mark:
        return mask
    return replace(mask, values=mask.values.masked_fill(_hidden(op, params, shape), mask.ignore))


@target_rule(EraseOp, Keypoints)
def _erase_keypoints(op, points, params, shape):
    """With ``mark``, a keypoint on an erased pixel is no longer visible."""
    if not op.mark or not len(points.xy):
        return points
    hidden = _hidden(op, params, shape)
    H, W = shape[-2:]
    col, row = points.xy.round().long().unbind(1)
    inside = (col >= 0) & (col < W) & (row >= 0) & (row < H)
    covered = torch.zeros_like(inside)
    covered[inside] = hidden[points.image_of_row[inside], row[inside], col[inside]]
    return replace(points, visible=points.visible & ~covered)


def _distort_coords(op, params, shape):
    """The op's source coordinates, the identity where its ``apply`` mask is False."""
    coords = op.coords({k: v for k, v in params.items() if k != "apply"}, shape, torch.device("cpu"))
    H, W = shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(H, dtype=coords.dtype), torch.arange(W, dtype=coords.dtype), indexing="ij")
    return torch.where(params["apply"].view(-1, 1, 1, 1), coords, torch.stack([xs, ys], -1))


@target_rule(DistortOp, SemanticMask)
def _distort_mask(op, mask, params, shape):
    coords = _distort_coords(op, params, shape).to(mask.values.device)
    return _label_map(mask, lambda values: remap(values, coords, nearest=True, fill=mask.ignore))


@target_rule(DistortOp, AlignedImages)
def _distort_aligned(op, aligned, params, shape):
    return AlignedImages(remap(aligned.values, _distort_coords(op, params, shape).to(aligned.values.device)))


@target_rule(DistortOp, Keypoints)
def _distort_keypoints(op, points, params, shape):
    H, W = shape[-2:]
    xy = invert_coords(_distort_coords(op, params, shape), points)
    inside = on_image(xy, (H, W))
    return replace(points, xy=xy, visible=points.visible & inside, size=(H, W))


@target_rule(DistortOp, Boxes)
def _distort_boxes(op, boxes, params, shape):
    """A curved field gives no exact new box from the corners: boxes with instance masks
    are re-boxed from their moved masks; others are refused."""
    if boxes.masks is None:
        raise AugmentlabError(f"{op.name} bends the image along a curved field, which gives no exact new box; give instance "
                              f"masks to re-box from, or leave it out of a policy for data with boxes")
    coords = _distort_coords(op, params, shape)[boxes.image_of_row].to(boxes.masks.device)
    moved = remap(boxes.masks.unsqueeze(1), coords, nearest=True, fill=0).squeeze(1)
    return replace(boxes, masks=moved).moved(bounding_boxes(moved))
