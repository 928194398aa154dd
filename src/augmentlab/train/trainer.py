"""A deterministic trainer with a fixed step budget: AdamW with a one-cycle schedule, the
augmentation policy applied to every batch on the batch's device."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from augmentlab.modality.image import to_float
from augmentlab.policy.training import TrainingPolicy
from augmentlab.rng import child_seeds, torch_generator
from augmentlab.train.precision import autocast, resolve_precision


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 800
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    eval_every: int = 0  # 0: evaluate only at the end
    # Restart the one-cycle schedule after each of these steps (the last is ``steps``): every
    # segment ends annealed, so accuracy there means what it means at the end of a run.
    # A search's rungs use this; intermediate accuracy at a high learning rate is noise.
    cycle_ends: tuple[int, ...] = ()
    # "auto", "fp32" or "bf16": the forward pass's number format (train/precision.py)
    precision: str = "auto"


@dataclass
class TrainResult:
    model: torch.nn.Module
    history: list[dict] = field(default_factory=list)  # learning curve: step, loss, [val_accuracy]
    precision: str = "fp32"  # what the forward passes computed in: "fp32" or "bf16"


def normalise(x: torch.Tensor) -> torch.Tensor:
    """Images to [-1, 1], as the image models take them."""
    return to_float(x) * 2.0 - 1.0


def model_input(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``x`` as ``model`` takes it: a model with a ``prepare`` method says how (the audio
    model takes waveforms as they are); the image models take ``normalise(x)``."""
    prepare = getattr(model, "prepare", None)
    return prepare(x) if prepare is not None else normalise(x)


def forward_with_features(model: torch.nn.Module, x: torch.Tensor, features, g: torch.Generator) -> torch.Tensor:
    """The logits, with ``features`` (a policy on what the model computes, e.g. SpecAugment)
    applied between the model's ``front`` and ``body``."""
    return model.body(features(model.front(x), g))


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024) -> float:
    """Accuracy of ``model`` on ``(x, y)``, or the user's own score where an ``Experiment``
    gave one (``train/hooks.py``)."""
    from augmentlab.train.hooks import current_hooks

    model.eval()
    device = next((p.device for p in model.parameters()), x.device)  # the data goes where the model is
    evaluate = current_hooks().evaluate
    if evaluate is not None:
        return float(evaluate(model, model_input(model, x.to(device)), y.to(device)))
    correct = 0
    for i in range(0, len(x), batch_size):
        logits = model(model_input(model, x[i : i + batch_size].to(device)))
        correct += int((logits.argmax(1) == y[i : i + batch_size].to(device)).sum())
    return correct / max(len(x), 1)


def restarted_one_cycle(step: int, ends: tuple[int, ...], warmup: float = 0.25, div: float = 25.0,
                        final_div: float = 1e4) -> float:
    """The learning-rate factor at ``step`` of a one-cycle schedule (OneCycleLR's cosine
    shape and defaults) restarted at each of ``ends``."""
    start = 0
    for end in ends:
        if step < end:
            break
        start = end
    else:
        return 1.0 / (div * final_div)
    length, pos = end - start, step - start
    rise = max(1.0, warmup * length)
    low, floor = 1.0 / div, 1.0 / (div * final_div)
    if pos < rise:
        return low + (1.0 - low) * (1.0 - math.cos(math.pi * pos / rise)) / 2.0
    fall = max(1.0, length - rise - 1)
    return floor + (1.0 - floor) * (1.0 + math.cos(math.pi * min(1.0, (pos - rise) / fall))) / 2.0


def adamw(params, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW, fused into one kernel per step where torch has it for every parameter
    (float tensors on CPU or CUDA): 13% off a small CNN's training step here."""
    params = list(params)
    fused = bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=fused or None)


def apply_batch_ops(policy: TrainingPolicy, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                    num_classes: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The image policy, then each batch-level op in order: mixing returns soft labels, an
    attack perturbs the batch against the current model."""
    if policy.image is not None:
        x = policy.image(x, g)
    target = y
    for op in policy.batch_ops:
        x, target = op.apply_batch(x, target, num_classes, g, model=model, forward=lambda v: model_input(model, v))
    return x, target


def train(model_fn: Callable[[], torch.nn.Module], x: torch.Tensor, y: torch.Tensor, policy, config: TrainConfig,
          seed: int, val: tuple[torch.Tensor, torch.Tensor] | None = None, device: str = "cpu",
          on_eval: Callable[[int, float], None] | None = None, controller=None,
          num_classes: int | None = None) -> TrainResult:
    """Train a fresh ``model_fn()`` on ``(x, y)`` for ``config.steps`` steps.

    Model initialisation, batch order and augmentation all derive from ``seed``; the global
    RNG is restored afterwards. ``policy`` may be None (no augmentation). Every
    ``config.eval_every`` steps the validation accuracy goes to the history and to
    ``on_eval(step, accuracy)``, which may stop training by raising (a search prunes so).
    A ``controller`` (adaptive strength) supplies the policy each step instead of ``policy``
    and sees the model's predictions on every training batch.
    """
    from augmentlab.train.hooks import current_hooks

    train_step = current_hooks().train_step
    if train_step is not None and (controller is not None or isinstance(policy, TrainingPolicy) and policy.features is not None):
        from augmentlab.errors import AugmentlabError

        raise AugmentlabError("train_step: adaptive strength and feature ops need the lab's own step", field="train_step")
    init_seed, batch_seed, aug_seed = child_seeds(seed, 3)  # independent streams
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)  # parameter initialisation draws from the global RNG
        model = model_fn().to(device)
    precision = resolve_precision(config.precision, model, device)
    if train_step is not None:  # the user's own step computes as it likes; ours would be fp32 there
        precision = "fp32"
    g_batches = torch_generator(batch_seed)
    g_aug = torch_generator(aug_seed)
    opt = adamw(model.parameters(), config.lr, config.weight_decay)
    if config.cycle_ends or config.steps == 4:
        # (torch's OneCycleLR divides by zero at exactly 4 steps: its warm-up ends at step 0)
        ends = config.cycle_ends or (config.steps,)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: restarted_one_cycle(s, ends))
    else:
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.steps, pct_start=0.25)
    x, y = x.to(device), y.to(device)
    num_classes = num_classes or int(y.max()) + 1
    history = []
    n = len(x)
    order = torch.randperm(n, generator=g_batches)
    pos = 0
    for step in range(config.steps):
        if pos + config.batch_size > n:
            order, pos = torch.randperm(n, generator=g_batches), 0
        idx = order[pos : pos + config.batch_size].to(device)
        pos += config.batch_size
        xb, yb = x[idx], y[idx]
        current = controller.policy if controller is not None else policy
        target = yb
        features = None
        if isinstance(current, TrainingPolicy):
            xb, target = apply_batch_ops(current, model, xb, yb, num_classes, g_aug)
            features = current.features
        elif current is not None:
            xb = current(xb, g_aug)
        model.train()
        if train_step is not None:  # the user's own step: forward, loss, backward and the optimizer's step
            loss = torch.as_tensor(float(train_step(model, model_input(model, xb), target, opt)))
            logits = None
        else:
            with autocast(precision, device):
                if features is not None:
                    logits = forward_with_features(model, model_input(model, xb), features, g_aug)
                else:
                    logits = model(model_input(model, xb))
            logits = logits.float()  # the loss in float32 under bf16 (a no-op in fp32)
            loss = F.cross_entropy(logits, target, label_smoothing=config.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sched.step()
        if controller is not None:
            controller.after_step(step + 1, model, logits, yb)
        if config.eval_every and val is not None and (step + 1) % config.eval_every == 0:
            val_accuracy = accuracy(model, *val)
            history.append({"step": step + 1, "loss": loss.item(), "val_accuracy": val_accuracy})
            if on_eval is not None:
                on_eval(step + 1, val_accuracy)
        elif (step + 1) % max(1, config.steps // 20) == 0:
            history.append({"step": step + 1, "loss": loss.item()})
    return TrainResult(model, history, precision)
