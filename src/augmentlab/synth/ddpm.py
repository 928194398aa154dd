"""A small class-conditional diffusion model: DDPM training (Ho et al. 2020) with the cosine
noise schedule (Nichol & Dhariwal 2021), Min-SNR loss weighting (Hang et al. 2023), label dropout for classifier-free guidance (Ho &
Salimans 2022), an EMA of the weights, and deterministic DDIM sampling (Song et al. 2021)
in a few steps."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds
from augmentlab.synth.base import ConditionalGenerator
from augmentlab.synth.unet import ConditionalUNet


def cosine_alpha_bar(timesteps: int, offset: float = 0.008) -> torch.Tensor:
    """ᾱ_t for t = 0..T, the cumulative signal share; ᾱ_0 = 1, clipped so β_t ≤ 0.999."""
    t = torch.linspace(0, 1, timesteps + 1, dtype=torch.float64)
    f = torch.cos((t + offset) / (1 + offset) * math.pi / 2) ** 2
    alpha_bar = f / f[0]
    betas = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas, 0)]).float()


class _DiffusionNet(nn.Module):
    """The trained U-Net and its EMA copy (the one that samples)."""

    def __init__(self, shape, num_classes, width, timesteps):
        super().__init__()
        self.model = ConditionalUNet(shape, num_classes, width)
        self.ema = copy.deepcopy(self.model)
        self.register_buffer("alpha_bar", cosine_alpha_bar(timesteps))


class DDPM(ConditionalGenerator):
    name = "ddpm"

    def __init__(self, shape, num_classes, width: int = 32, timesteps: int = 1000, lr: float = 1e-3, batch_size: int = 32,
                 ema: float = 0.995, label_dropout: float = 0.1, sample_steps: int = 25, guidance: float = 2.0,
                 min_snr: float = 5.0):
        super().__init__(shape, num_classes, width=width, timesteps=timesteps, lr=lr, batch_size=batch_size, ema=ema,
                         label_dropout=label_dropout, sample_steps=sample_steps, guidance=guidance, min_snr=min_snr)
        if not 1 <= sample_steps <= timesteps:
            raise AugmentlabError(f"sample_steps must be between 1 and timesteps ({timesteps}); got {sample_steps}")

    def build(self):
        s = self.settings
        return _DiffusionNet(self.shape, self.num_classes, s["width"], s["timesteps"])

    def fit(self, x, y, steps, seed, progress=None):
        s = self.settings
        g_batch, g_time, g_noise, g_drop = (torch.Generator().manual_seed(k) for k in child_seeds(seed, 4))
        # channels-last convolutions are about 1.4x faster on CPU (oneDNN) and no slower on GPU
        self.net.to(memory_format=torch.channels_last)
        model, ema, alpha_bar = self.net.model, self.net.ema, self.net.alpha_bar
        opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=0.0)
        warmup = min(200, max(1, steps // 10))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda k: min(1.0, (k + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps)))
        data, y = x.to(self.device).float() / 127.5 - 1, y.to(self.device)
        n = min(s["batch_size"], len(data))
        history = []
        model.train()
        for step in range(steps):
            idx = torch.randint(0, len(data), (n,), generator=g_batch).to(self.device)
            x0, labels = data[idx], y[idx].clone()
            dropped = (torch.rand(n, generator=g_drop) < s["label_dropout"]).to(self.device)
            labels[dropped] = self.num_classes  # the null class
            t = torch.randint(1, s["timesteps"] + 1, (n,), generator=g_time).to(self.device)
            noise = self.draw(x0.shape, g_noise)
            ab = alpha_bar[t].view(-1, 1, 1, 1)
            noisy = (ab.sqrt() * x0 + (1 - ab).sqrt() * noise).contiguous(memory_format=torch.channels_last)
            per_sample = (model(noisy, t, labels) - noise).pow(2).mean((1, 2, 3))
            snr = ab.flatten() / (1 - ab.flatten())
            loss = (per_sample * snr.clamp(max=s["min_snr"]) / snr).mean()  # Min-SNR weighting: faster convergence
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            decay = min(s["ema"], (1 + step) / (10 + step))  # short warm-up so early EMA is not the init
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), model.parameters()):
                    pe.lerp_(p, 1 - decay)
            if (step + 1) % max(1, steps // 50) == 0:
                history.append({"step": step + 1, "loss": loss.item()})
            if progress:
                progress(1)
        return history

    def generate(self, labels, generator):
        """DDIM (η = 0) over ``sample_steps`` evenly spaced timesteps, with classifier-free
        guidance ε = (1 + w)·ε(x, y) − w·ε(x, ∅)."""
        s = self.settings
        net, alpha_bar = self.net.ema, self.net.alpha_bar
        n, w = len(labels), s["guidance"]
        x = self.draw((n, *self.shape), generator)
        net.to(memory_format=torch.channels_last)
        times = torch.linspace(s["timesteps"], 0, s["sample_steps"] + 1).round().long()
        both = torch.cat([labels, torch.full_like(labels, self.num_classes)]) if w else labels
        for t, t_next in zip(times[:-1], times[1:]):
            tt = torch.full((len(both),), int(t), dtype=torch.long, device=self.device)
            eps = net((torch.cat([x, x]) if w else x).contiguous(memory_format=torch.channels_last), tt, both)
            if w:
                cond, uncond = eps.chunk(2)
                eps = (1 + w) * cond - w * uncond
            ab, ab_next = alpha_bar[t], alpha_bar[t_next]
            x0 = ((x - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-1, 1)
            eps = (x - ab.sqrt() * x0) / (1 - ab).sqrt()  # consistent with the clipped x0
            x = ab_next.sqrt() * x0 + (1 - ab_next).sqrt() * eps
        return (x + 1) / 2
