"""Training and scoring on images with targets: semantic segmentation (a U-Net, mean IoU)
and detection (a CenterNet-style model, AP50), with the augmentation policy applied to
every batch and its targets with one draw, on the same fixed-step, seeded footing as the
classification trainer."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.ops.image.targets import BoxFilter
from augmentlab.policy.targets import apply_with_targets
from augmentlab.rng import torch_generator
from augmentlab.train.target_metrics import average_precision, confusion, mean_iou
from augmentlab.train.target_models import CenterNet, UNet, centre_loss, centre_targets, decode
from augmentlab.train.trainer import TrainConfig, adamw, normalise, restarted_one_cycle

KEEP_BOXES = BoxFilter(min_visibility=0.3)  # a digit mostly pushed out of the frame is no longer an object to find


def build(task: str, data: AnnotatedImages) -> torch.nn.Module:
    channels = data.images.shape[1]
    return UNet(channels, len(data.class_names)) if task == "segment" else CenterNet(channels, len(data.class_names))


def soft_dice_loss(logits: torch.Tensor, labels: torch.Tensor, ignore: int) -> torch.Tensor:
    """1 - the soft Dice score averaged over classes (Milletari et al. 2016), ignored pixels
    left out. Each class weighs the same however few pixels it has, which cross-entropy
    alone does not give when the background is most of every image."""
    classes = logits.shape[1]
    valid = (labels != ignore).unsqueeze(1)
    prob = logits.softmax(1) * valid
    onehot = F.one_hot(labels.clamp(0, classes - 1), classes).permute(0, 3, 1, 2) * valid
    inter = (prob * onehot).sum((0, 2, 3))
    total = prob.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return 1.0 - ((2.0 * inter + 1.0) / (total + 1.0)).mean()


def _loss(task: str, model, x, targets, classes: int) -> torch.Tensor:
    out = model(normalise(x))
    if task == "segment":
        labels = targets.mask.values.long()
        return F.cross_entropy(out, labels, ignore_index=targets.mask.ignore) + soft_dice_loss(out, labels, targets.mask.ignore)
    boxes = targets.boxes
    encoded = centre_targets(boxes.xyxy, boxes.labels, boxes.image_of_row, len(x), classes, tuple(out["heat"].shape[-2:]))
    return centre_loss(out, encoded)


def train_targets(data: AnnotatedImages, policy, config: TrainConfig, seed: int, val: AnnotatedImages | None = None,
                  on_eval=None) -> torch.nn.Module:
    """A model trained for ``config.steps`` batches drawn with ``seed``; ``policy`` (or
    None) augments each batch and its targets with one draw from the same seed's stream.
    Every ``config.eval_every`` steps the score on ``val`` goes to ``on_eval(step, score)``,
    which may stop training by raising (a search prunes so)."""
    task = data.task
    ends = config.cycle_ends or (config.steps,)
    g_batches, g_aug = torch_generator(seed), torch_generator(seed + 1_000_003)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # parameter initialisation draws from the global RNG, which the fork restores
        model = build(task, data)
    optimiser = adamw(model.parameters(), config.lr, config.weight_decay)
    n = len(data)
    model.train()
    for step in range(config.steps):
        for group in optimiser.param_groups:
            group["lr"] = config.lr * restarted_one_cycle(step, ends)
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
        if on_eval is not None and config.eval_every and val is not None and (step + 1) % config.eval_every == 0:
            model.eval()
            on_eval(step + 1, score(model, val))
            model.train()
    model.eval()
    return model


def run_targets_once(ds, splits, policy, protocol, seed: int, test, attack=None) -> dict:
    """One training run of the lab on annotated images (``Dataset`` of ``AnnotatedImages``):
    the model the task calls for, trained on ``seed``'s split with the policy moving every
    batch's targets, scored by mIoU or AP50 under the classification runs' keys."""
    import time

    data = ds.data
    model_name = ds.kind.model_for(data)  # Protocol.check refused any other
    start = time.perf_counter()
    train, val = data.subset(torch.as_tensor(splits.train)), data.subset(torch.as_tensor(splits.val))
    held_out = test.data if test is not None else data.subset(torch.as_tensor(splits.test))
    model = train_targets(train, policy, TrainConfig(steps=protocol.steps, batch_size=protocol.batch_size), seed)
    return {"seed": seed, "model": model_name, "train_accuracy": score(model, train), "val_accuracy": score(model, val),
            "test_accuracy": score(model, held_out), "seconds": time.perf_counter() - start, "history": []}


def run_targets_trial(data, policy, plan, report) -> float:
    """A search trial on annotated images: the validation score after every rung."""
    config = TrainConfig(steps=plan.trial_steps, batch_size=data.batch_size, eval_every=plan.rung_steps, cycle_ends=plan.cycle_ends)
    last = {}

    def on_eval(step: int, value: float) -> None:
        last["score"] = value
        report(step // plan.rung_steps, value)

    train_targets(data.x, policy, config, data.seed, val=data.val_x, on_eval=on_eval)
    return last["score"]


@torch.no_grad()
def score(model: torch.nn.Module, data: AnnotatedImages, batch_size: int = 64) -> float:
    """Mean IoU (segmentation) or AP50 (detection) of ``model`` on ``data``."""
    task = data.task
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
