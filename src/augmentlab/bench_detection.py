"""Throughput of a detection pipeline with targets: 512x512 uint8 images, each with 10
boxes and one semantic mask, through h-flip (p = 0.5), scale jitter 0.8x-1.25x cropped
back to the frame, rotation up to ±10° and brightness/contrast; one CPU thread, side by
side with albumentations doing the same with ``BboxParams`` and a mask, image by image."""

from __future__ import annotations

import math

import numpy as np
import torch

from augmentlab.data.targets import Boxes, SemanticMask, Targets
from augmentlab.ops.registry import create_op
from augmentlab.policy import Sequential
from augmentlab.policy.targets import apply_with_targets

SIZE, POOL, BATCH, BOXES = 512, 32, 16, 10


def detection_policy():
    """Our ops at the albumentations settings: scale 2^(±0.32) = 0.8x-1.25x, ±10°, factors 1 ± 0.2."""
    return Sequential([create_op("hflip", p=0.5), create_op("scale", m=round(math.log2(1.25), 6)), create_op("rotate", m=round(10 / 90, 6)),
                       create_op("brightness", m=0.2), create_op("contrast", m=0.2)])


def _albumentations():
    try:
        import albumentations as A
    except ImportError:
        return None
    return A.Compose([A.HorizontalFlip(p=0.5), A.Affine(scale=(0.8, 1.25), rotate=(-10, 10), p=1.0),
                      A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0)],
                     bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"]))


def _pool():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (POOL, 3, SIZE, SIZE), dtype=np.uint8)
    masks = rng.integers(0, 5, (POOL, SIZE, SIZE), dtype=np.uint8)
    xy = rng.uniform(0, SIZE - 80, (POOL, BOXES, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(20, 80, (POOL, BOXES, 2))], -1)
    labels = rng.integers(0, 5, (POOL, BOXES))
    return images, masks, boxes, labels


def detection_steps(libraries) -> tuple[dict, int]:
    """``({library: step(i) -> images done}, batches in the pool)``."""
    images, masks, boxes, labels = _pool()
    steps = {}
    for lib in libraries:
        if lib == "augmentlab":
            policy, g = detection_policy(), torch.Generator().manual_seed(0)
            batches = []
            for i in range(POOL // BATCH):
                part = slice(i * BATCH, (i + 1) * BATCH)
                targets = Targets(boxes=Boxes.of(torch.from_numpy(boxes[part].reshape(-1, 4)), torch.from_numpy(labels[part].reshape(-1)),
                                                 size=(SIZE, SIZE), offsets=torch.arange(0, BATCH * BOXES + 1, BOXES)),
                                  mask=SemanticMask(torch.from_numpy(masks[part])))
                batches.append((torch.from_numpy(images[part]), targets))

            def step(i, policy=policy, g=g, batches=batches):
                x, targets = batches[i]
                params = policy.sample(g, len(x), tuple(x.shape[1:]))
                return len(apply_with_targets(policy, x, targets, params)[0])

            steps[lib] = step
        elif lib == "albumentations" and (aug := _albumentations()) is not None:
            hwc = np.ascontiguousarray(images.transpose(0, 2, 3, 1))

            def step(i, aug=aug, hwc=hwc):
                for k in range(i * BATCH, (i + 1) * BATCH):
                    aug(image=hwc[k], mask=masks[k], bboxes=boxes[k], labels=labels[k])
                return BATCH

            steps[lib] = step
    return steps, POOL // BATCH
