"""A policy applied to images and their targets (boxes, keypoints, masks) with one draw.

The images go through the policy exactly as without targets; the targets follow the same
parameters: each op's rule (``ops/targets.py``) says what it does to each kind of target,
and a fused run of geometric ops moves every target once, through the matrix its images
are warped by. Boxes are then clipped and filtered once, at the end (``BoxFilter``), and
keypoints that left the image are hidden or dropped.

Known limit: boxes and keypoints are not cut where an *earlier, separate* warp pushed part
of the image out of the frame and a later one brings it back; inside one fused run (the
usual flip + affine + crop chain) nothing is lost in between.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.data.targets import Targets
from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.ops.fusion import target_mover_for
from augmentlab.ops.image.targets import OUTSIDE, BoxFilter, on_image
from augmentlab.ops.targets import rule_for
from augmentlab.policy.compose import Node, Sequential, Tree


def move_targets(node: Op | Node, targets: Targets, params: Tree, shape: tuple[int, ...]) -> Targets:
    """``targets`` through ``node`` with its drawn ``params`` (for images of ``shape``)."""
    if isinstance(node, Op):
        moved = {name: rule_for(node, target)(node, target, params, shape) for name, target in targets.present().items()}
        return Targets(**moved)
    pairs = list(zip(node.children, params["children"]))
    mover = target_mover_for(node.ops()) if isinstance(node, Sequential) else None
    walk = lambda child, t, p: move_targets(child, t, p, shape)  # noqa: E731
    if mover is not None:
        return mover(targets, pairs, shape, walk)
    for child, child_params in pairs:
        targets = walk(child, targets, child_params)
    return targets


def apply_with_targets(policy: Op | Node, images: torch.Tensor, targets: Targets, params: Tree, *,
                       box_filter: BoxFilter | None = None, outside: str = "hide") -> tuple[torch.Tensor, Targets]:
    """The images through ``policy`` with ``params``, and their targets with the same draw.
    ``box_filter`` (default: clip, drop boxes with no area left) runs once at the end;
    ``outside`` says whether keypoints moved off the image are hidden (kept where they went,
    ``visible`` False) or dropped."""
    if outside not in OUTSIDE:
        raise AugmentlabError(f"outside: {outside!r} is unknown; expected one of {', '.join(OUTSIDE)}", field="outside")
    targets.check(images)
    shape = tuple(images.shape[1:])
    moved = move_targets(policy, targets, params, shape)
    out_images = policy.apply(images, params)
    boxes = None if moved.boxes is None else (box_filter or BoxFilter())(moved.boxes)
    points = moved.keypoints
    if points is not None and outside == "drop":
        points = points.keep(on_image(points.xy, points.size))
    return out_images, Targets(boxes=boxes, keypoints=points, mask=moved.mask, aligned=moved.aligned)


def augment_with_targets(policy: Op | Node, images: torch.Tensor, targets: Targets, generator: torch.Generator, **options):
    """Draw once for the batch and apply: ``(images, targets, params)``; ``params`` replay
    the same result through ``apply_with_targets``."""
    params = policy.sample(generator, images.shape[0], tuple(images.shape[1:]))
    out_images, out_targets = apply_with_targets(policy, images, targets, params, **options)
    return out_images, out_targets, params


def apply_to_batch(policy: Op | Node, data, params: Tree, *, box_filter: BoxFilter | None = None):
    """``data`` through ``policy`` with drawn ``params``, whatever kind of batch it is:
    annotated images (``AnnotatedImages``) move their targets with the same draw (boxes
    through ``box_filter``, by default clipped and dropped when no area is left; keypoints
    leaving the image hidden)."""
    if isinstance(data, AnnotatedImages):
        images, targets = apply_with_targets(policy, data.images, data.targets, params, box_filter=box_filter)
        return replace(data, images=images, targets=targets)
    return policy.apply(data, params)
