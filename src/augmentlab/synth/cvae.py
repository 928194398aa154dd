"""A conditional VAE (Kingma et al. 2014; Sohn et al. 2015): a small convolutional encoder
and decoder, both given the one-hot class; Bernoulli likelihood on pixels in [0, 1]."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from augmentlab.rng import child_seeds
from augmentlab.synth.base import ConditionalGenerator


def padded_size(size: int) -> int:
    return int(math.ceil(size / 4) * 4)  # two stride-2 convolutions


class _CVAENet(nn.Module):
    def __init__(self, shape, num_classes, latent, width, hidden):
        super().__init__()
        c, h, w = shape
        self.ph, self.pw = padded_size(h), padded_size(w)
        self.grid = (2 * width, self.ph // 4, self.pw // 4)
        flat = 2 * width * (self.ph // 4) * (self.pw // 4)
        self.encoder = nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
        )
        self.to_hidden = nn.Sequential(nn.Linear(flat + num_classes, hidden), nn.LeakyReLU(0.2))
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.from_latent = nn.Sequential(nn.Linear(latent + num_classes, hidden), nn.ReLU(), nn.Linear(hidden, flat), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width, c, 4, 2, 1),
        )

    def encode(self, x, onehot):
        h, w = x.shape[-2:]
        x = F.pad(x, (0, self.pw - w, 0, self.ph - h))
        hidden = self.to_hidden(torch.cat([self.encoder(x), onehot], 1))
        return self.mu(hidden), self.logvar(hidden)

    def decode(self, z, onehot, size):
        logits = self.decoder(self.from_latent(torch.cat([z, onehot], 1)).view(-1, *self.grid))
        return logits[..., : size[0], : size[1]]


class CVAE(ConditionalGenerator):
    name = "cvae"

    def __init__(self, shape, num_classes, latent: int = 16, width: int = 32, hidden: int = 256, lr: float = 2e-3,
                 batch_size: int = 128, beta: float = 1.0):
        super().__init__(shape, num_classes, latent=latent, width=width, hidden=hidden, lr=lr, batch_size=batch_size, beta=beta)

    def build(self):
        s = self.settings
        return _CVAENet(self.shape, self.num_classes, s["latent"], s["width"], s["hidden"])

    def fit(self, x, y, steps, seed, progress=None):
        s = self.settings
        batch_seed, noise_seed = child_seeds(seed, 2)
        g_batch = torch.Generator().manual_seed(batch_seed)
        g_noise = torch.Generator().manual_seed(noise_seed)
        data, y = x.to(self.device).float() / 255.0, y.to(self.device)
        opt = torch.optim.Adam(self.net.parameters(), lr=s["lr"])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        history = []
        self.net.train()
        for step in range(steps):
            idx = torch.randint(0, len(data), (min(s["batch_size"], len(data)),), generator=g_batch).to(self.device)
            xb, onehot = data[idx], F.one_hot(y[idx], self.num_classes).float()
            mu, logvar = self.net.encode(xb, onehot)
            z = mu + torch.exp(0.5 * logvar) * self.draw(mu.shape, g_noise)
            logits = self.net.decode(z, onehot, xb.shape[-2:])
            recon = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / len(xb)
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(xb)
            loss = recon + s["beta"] * kl
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if (step + 1) % max(1, steps // 50) == 0:
                history.append({"step": step + 1, "loss": loss.item(), "reconstruction": recon.item(), "kl": kl.item()})
            if progress:
                progress(1)
        return history

    def generate(self, labels, generator):
        z = self.draw((len(labels), self.settings["latent"]), generator)
        onehot = F.one_hot(labels, self.num_classes).float()
        return torch.sigmoid(self.net.decode(z, onehot, self.shape[-2:]))
