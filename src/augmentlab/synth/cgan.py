"""A conditional GAN for small data: a DCGAN-style generator with class-conditional input, a
projection discriminator (Miyato & Koyama 2018) with spectral norm on every layer, the
hinge loss, an exponential moving average of the generator for sampling, and
DiffAugment (Zhao et al. 2020: translation and cutout applied to real and fake alike,
differentiably) so the discriminator does not memorise a few hundred images."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from augmentlab.rng import child_seeds
from augmentlab.synth.base import ConditionalGenerator
from augmentlab.synth.cvae import padded_size


class _Generator(nn.Module):
    def __init__(self, shape, num_classes, latent, width):
        super().__init__()
        c, h, w = shape
        self.grid = (4 * width, padded_size(h) // 4, padded_size(w) // 4)
        self.size = (h, w)
        self.embed = nn.Embedding(num_classes, latent)
        self.project = nn.Sequential(nn.Linear(2 * latent, 4 * width * self.grid[1] * self.grid[2]), nn.ReLU())
        self.body = nn.Sequential(
            nn.BatchNorm2d(4 * width),
            nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, c, 3, 1, 1),
        )

    def forward(self, z, labels):
        x = self.project(torch.cat([z, self.embed(labels)], 1)).view(-1, *self.grid)
        x = x.contiguous(memory_format=torch.channels_last)  # faster oneDNN convolutions on CPU
        return torch.sigmoid(self.body(x))[..., : self.size[0], : self.size[1]]


class _Discriminator(nn.Module):
    def __init__(self, shape, num_classes, width):
        super().__init__()
        c = shape[0]
        self.features = nn.Sequential(
            spectral_norm(nn.Conv2d(c, width, 3, 1, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * width, 4 * width, 4, 2, 1)), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.out = spectral_norm(nn.Linear(4 * width, 1))
        self.embed = spectral_norm(nn.Embedding(num_classes, 4 * width))

    def forward(self, x, labels):
        h = self.features((x * 2 - 1).contiguous(memory_format=torch.channels_last))
        return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(1)  # projection


def diff_augment(x: torch.Tensor, g: torch.Generator, shift: float = 0.125, cut: float = 0.5) -> torch.Tensor:
    """Random translation (up to ``shift`` of the size, zero fill) and a random cutout
    square (``cut`` of the size); differentiable with respect to ``x``."""
    n, _, h, w = x.shape
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, :, 2] = (torch.rand(n, 2, generator=g) * 2 - 1) * 2 * shift
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    ch, cw = max(1, int(h * cut)), max(1, int(w * cut))
    cy = torch.randint(0, h, (n, 1, 1), generator=g)
    cx = torch.randint(0, w, (n, 1, 1), generator=g)
    ys, xs = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    keep = ~(((ys - cy).abs() <= ch // 2) & ((xs - cx).abs() <= cw // 2))
    return x * keep.unsqueeze(1).to(x.device, x.dtype)


class _Pair(nn.Module):
    """Everything a checkpoint holds: the sampling (EMA) generator, and for completeness
    the trained generator and discriminator."""

    def __init__(self, shape, num_classes, latent, width):
        super().__init__()
        self.generator = _Generator(shape, num_classes, latent, width)
        self.ema = copy.deepcopy(self.generator)
        self.discriminator = _Discriminator(shape, num_classes, width)


class CGAN(ConditionalGenerator):
    name = "cgan"

    def __init__(self, shape, num_classes, latent: int = 64, width: int = 16, lr: float = 2e-4, batch_size: int = 64,
                 ema: float = 0.999, diffaugment: bool = True):
        super().__init__(shape, num_classes, latent=latent, width=width, lr=lr, batch_size=batch_size, ema=ema,
                         diffaugment=diffaugment)

    def build(self):
        s = self.settings
        return _Pair(self.shape, self.num_classes, s["latent"], s["width"])

    def fit(self, x, y, steps, seed, progress=None):
        s = self.settings
        g_batch, g_noise, g_aug = (torch.Generator().manual_seed(k) for k in child_seeds(seed, 3))
        self.net.to(memory_format=torch.channels_last)
        G, D, ema = self.net.generator, self.net.discriminator, self.net.ema
        opt_g = torch.optim.Adam(G.parameters(), lr=s["lr"], betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(D.parameters(), lr=2 * s["lr"], betas=(0.0, 0.9))
        augment = (lambda t: diff_augment(t, g_aug)) if s["diffaugment"] else (lambda t: t)
        data, y = x.to(self.device).float() / 255.0, y.to(self.device)
        n = min(s["batch_size"], len(data))
        history = []
        G.train()
        D.train()
        for step in range(steps):
            idx = torch.randint(0, len(data), (n,), generator=g_batch).to(self.device)
            real, labels = data[idx], y[idx]
            fake = G(self.draw((n, s["latent"]), g_noise), labels)
            d_loss = F.relu(1 - D(augment(real), labels)).mean() + F.relu(1 + D(augment(fake.detach()), labels)).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = -D(augment(fake), labels).mean()
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), G.parameters()):
                    pe.lerp_(p, 1 - s["ema"])
                for be, b in zip(ema.buffers(), G.buffers()):
                    be.copy_(b)
            if (step + 1) % max(1, steps // 50) == 0:
                history.append({"step": step + 1, "d_loss": d_loss.item(), "g_loss": g_loss.item()})
            if progress:
                progress(1)
        return history

    def generate(self, labels, generator):
        z = self.draw((len(labels), self.settings["latent"]), generator)
        return self.net.ema(z, labels)
