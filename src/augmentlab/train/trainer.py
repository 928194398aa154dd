"""A deterministic trainer with a fixed step budget: AdamW with a one-cycle schedule, the
augmentation policy applied to every batch on the batch's device."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from augmentlab.ops.base import to_float
from augmentlab.rng import child_seeds, torch_generator


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 800
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    eval_every: int = 0  # 0: evaluate only at the end


@dataclass
class TrainResult:
    model: torch.nn.Module
    history: list[dict] = field(default_factory=list)  # learning curve: step, loss, [val_accuracy]


def _normalise(x: torch.Tensor) -> torch.Tensor:
    return to_float(x) * 2.0 - 1.0


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        logits = model(_normalise(x[i : i + batch_size]))
        correct += int((logits.argmax(1) == y[i : i + batch_size]).sum())
    return correct / max(len(x), 1)


def train(model_fn: Callable[[], torch.nn.Module], x: torch.Tensor, y: torch.Tensor, policy, config: TrainConfig,
          seed: int, val: tuple[torch.Tensor, torch.Tensor] | None = None, device: str = "cpu",
          on_eval: Callable[[int, float], None] | None = None) -> TrainResult:
    """Train a fresh ``model_fn()`` on ``(x, y)`` for ``config.steps`` steps.

    Model initialisation, batch order and augmentation all derive from ``seed``; the global
    RNG is restored afterwards. ``policy`` may be None (no augmentation). Every
    ``config.eval_every`` steps the validation accuracy goes to the history and to
    ``on_eval(step, accuracy)``, which may stop training by raising (a search prunes so).
    """
    init_seed, batch_seed, aug_seed = child_seeds(seed, 3)  # independent streams
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)  # parameter initialisation draws from the global RNG
        model = model_fn().to(device)
    g_batches = torch_generator(batch_seed)
    g_aug = torch_generator(aug_seed)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.steps, pct_start=0.25)
    x, y = x.to(device), y.to(device)
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
        if policy is not None:
            xb = policy(xb, g_aug)
        model.train()
        loss = F.cross_entropy(model(_normalise(xb)), yb, label_smoothing=config.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if config.eval_every and val is not None and (step + 1) % config.eval_every == 0:
            val_accuracy = accuracy(model, *val)
            history.append({"step": step + 1, "loss": loss.item(), "val_accuracy": val_accuracy})
            if on_eval is not None:
                on_eval(step + 1, val_accuracy)
        elif (step + 1) % max(1, config.steps // 20) == 0:
            history.append({"step": step + 1, "loss": loss.item()})
    return TrainResult(model, history)
