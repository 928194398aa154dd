"""Training and scoring on images with targets: semantic segmentation (a U-Net, mean IoU)
and detection (a CenterNet-style model, AP50), with the augmentation policy applied to
every batch and its targets with one draw, on the same fixed-step, seeded footing as the
classification trainer."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.errors import AugmentlabError
from augmentlab.ops.image.targets import BoxFilter
from augmentlab.policy.targets import apply_with_targets
from augmentlab.rng import torch_generator
from augmentlab.train.target_metrics import average_precision, confusion, mean_iou
from augmentlab.train.target_models import CenterNet, UNet, centre_loss, centre_targets, decode
from augmentlab.train.trainer import TrainConfig, normalise, restarted_one_cycle

TASKS = {"segment": "miou", "detect": "ap50"}
KEEP_BOXES = BoxFilter(min_visibility=0.3)  # a digit mostly pushed out of the frame is no longer an object to find


def task_of(data: AnnotatedImages) -> str:
    """``segment`` for data with a semantic mask, ``detect`` for data with boxes."""
    if data.targets.mask is not None:
        return "segment"
    if data.targets.boxes is not None:
        return "detect"
    raise AugmentlabError("data has neither masks nor boxes to learn")


def build(task: str, data: AnnotatedImages) -> torch.nn.Module:
    channels = data.images.shape[1]
    return UNet(channels, len(data.class_names)) if task == "segment" else CenterNet(channels, len(data.class_names))


def _loss(task: str, model, x, targets, classes: int) -> torch.Tensor:
    out = model(normalise(x))
    if task == "segment":
        return F.cross_entropy(out, targets.mask.values.long(), ignore_index=targets.mask.ignore)
    boxes = targets.boxes
    encoded = centre_targets(boxes.xyxy, boxes.labels, boxes.image_of_row, len(x), classes, tuple(out["heat"].shape[-2:]))
    return centre_loss(out, encoded)


def train_targets(data: AnnotatedImages, policy, config: TrainConfig, seed: int) -> torch.nn.Module:
    """A model trained for ``config.steps`` batches drawn with ``seed``; ``policy`` (or
    None) augments each batch and its targets with one draw from the same seed's stream."""
    task = task_of(data)
    g_batches, g_aug = torch_generator(seed), torch_generator(seed + 1_000_003)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # parameter initialisation draws from the global RNG, which the fork restores
        model = build(task, data)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    n = len(data)
    model.train()
    for step in range(config.steps):
        for group in optimiser.param_groups:
            group["lr"] = config.lr * restarted_one_cycle(step, (config.steps,))
        index = torch.randint(0, n, (min(config.batch_size, n),), generator=g_batches)
        batch = data.subset(index)
        x, targets = batch.images, batch.targets
        if policy is not None:
            params = policy.sample(g_aug, len(x), tuple(x.shape[1:]))
            x, targets = apply_with_targets(policy, x, targets, params, box_filter=KEEP_BOXES)
        loss = _loss(task, model, x, targets, len(data.class_names))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    model.eval()
    return model


@torch.no_grad()
def score(model: torch.nn.Module, data: AnnotatedImages, batch_size: int = 64) -> float:
    """Mean IoU (segmentation) or AP50 (detection) of ``model`` on ``data``."""
    task = task_of(data)
    classes = len(data.class_names)
    counts = torch.zeros(classes, classes, dtype=torch.int64)
    detections, truths = [], []
    for start in range(0, len(data), batch_size):
        part = data.subset(torch.arange(start, min(start + batch_size, len(data))))
        out = model(normalise(part.images))
        if task == "segment":
            counts += confusion(out.argmax(1), part.targets.mask.values.long(), classes, part.targets.mask.ignore)
            continue
        detections += [(b.numpy(), s.numpy(), lab.numpy()) for b, s, lab in decode(out)]
        truths += [(b.numpy(), lab.numpy()) for b, lab in zip(part.targets.boxes.per_image(), _per_image_labels(part.targets.boxes))]
    return mean_iou(counts) if task == "segment" else average_precision(detections, truths, classes)


def _per_image_labels(boxes) -> list[torch.Tensor]:
    return [boxes.labels[int(a) : int(b)] for a, b in zip(boxes.offsets[:-1], boxes.offsets[1:])]
