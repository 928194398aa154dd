"""A TVAE-style conditional VAE for table rows (Xu et al. 2019), given the class.

Columns are encoded as TVAE encodes them: each numeric column by mode-specific
normalisation (a variational Gaussian mixture of up to ``modes`` components fitted on the
column; a value becomes its most likely component, one-hot, and its offset from that
component's mean in units of four standard deviations), with one more "missing" mode;
each categorical or boolean column one-hot, with one more "missing" category. The decoder
gives a tanh offset per numeric column (Gaussian likelihood with a learned scale) and
logits per one-hot group (cross-entropy). Sampling decodes latent draws and draws each
group from its softmax.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds
from augmentlab.synth.table_base import MAX_LEVELS, TableGenerator, fit_support, snapped


class _TVAENet(nn.Module):
    def __init__(self, n_numeric: int, modes: int, categories: list[int], num_classes: int, latent: int, hidden: int):
        super().__init__()
        self.groups = [modes + 1] * n_numeric + [k + 1 for k in categories]  # one-hot groups, each with "missing"
        width = n_numeric + sum(self.groups)
        self.encoder = nn.Sequential(nn.Linear(width + num_classes, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent + num_classes, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, width))
        self.log_sigma = nn.Parameter(torch.full((n_numeric,), -2.0))
        # the fitted mixtures: component means and standard deviations, and which are in use
        self.register_buffer("means", torch.zeros(n_numeric, modes, dtype=torch.float64))
        self.register_buffer("stds", torch.ones(n_numeric, modes, dtype=torch.float64))
        self.register_buffer("used", torch.zeros(n_numeric, modes, dtype=torch.bool))
        self.register_buffer("low", torch.zeros(n_numeric, dtype=torch.float64))  # observed range: samples are clipped to it
        self.register_buffer("high", torch.zeros(n_numeric, dtype=torch.float64))
        self.register_buffer("support", torch.full((MAX_LEVELS, n_numeric), float("nan"), dtype=torch.float64))  # discrete columns' values


class TVAE(TableGenerator):
    name = "tvae"

    def __init__(self, shape, num_classes, schema, modes: int = 10, latent: int = 32, hidden: int = 128, lr: float = 1e-3,
                 batch_size: int = 256, steps: int = 2000):
        super().__init__(shape, num_classes, schema, modes=modes, latent=latent, hidden=hidden, lr=lr, batch_size=batch_size,
                         steps=steps)

    def build(self):
        s = self.settings
        return _TVAENet(self.shape[0], s["modes"], self.categories, self.num_classes, s["latent"], s["hidden"])

    # -- the column encoding ------------------------------------------------------------------
    def _fit_modes(self, numeric: np.ndarray, seed: int) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import BayesianGaussianMixture

        net, modes = self.net, self.settings["modes"]
        for j in range(numeric.shape[1]):
            values = numeric[:, j][~np.isnan(numeric[:, j])]
            if not len(values):
                raise AugmentlabError(f"column {self.schema.numeric_columns[j].name!r} has no values to fit")
            net.low[j], net.high[j] = float(values.min()), float(values.max())
            if len(np.unique(values)) < 2:  # a constant column: one mode at its value
                net.means[j, 0], net.stds[j, 0], net.used[j, 0] = float(values[0]), 1e-3, True
                continue
            mixture = BayesianGaussianMixture(n_components=min(modes, len(np.unique(values))), weight_concentration_prior=1e-3,
                                              max_iter=100, random_state=seed % 2**32)
            with warnings.catch_warnings():  # TVAE's 100 iterations; an unconverged mixture still places its modes
                warnings.simplefilter("ignore", ConvergenceWarning)
                mixture.fit(values.reshape(-1, 1))
            k = len(mixture.weights_)
            net.means[j, :k] = torch.from_numpy(mixture.means_[:, 0])
            net.stds[j, :k] = torch.from_numpy(np.sqrt(mixture.covariances_[:, 0, 0]).clip(1e-6))
            net.used[j, :k] = torch.from_numpy(mixture.weights_ > 0.005)

    def _encode(self, numeric: np.ndarray, codes: np.ndarray) -> torch.Tensor:
        net, modes = self.net, self.settings["modes"]
        N, Fn = numeric.shape
        offsets, parts = np.zeros((N, Fn)), []
        means, stds, used = net.means.numpy(), net.stds.numpy(), net.used.numpy()
        for j in range(Fn):
            v = numeric[:, j]
            present = ~np.isnan(v)
            # the most likely used component (equal weights: the nearest in standard deviations)
            z = np.abs(np.nan_to_num(v)[:, None] - means[j][None]) / stds[j][None] + np.where(used[j], 0, np.inf)[None]
            mode = np.where(present, z.argmin(1), modes)
            offsets[:, j] = np.where(present, np.clip((np.nan_to_num(v) - means[j][mode.clip(max=modes - 1)])
                                                      / (4 * stds[j][mode.clip(max=modes - 1)]), -0.99, 0.99), 0.0)
            parts.append(np.eye(modes + 1)[mode])
        for j, size in enumerate(self.categories):
            parts.append(np.eye(size + 1)[np.where(codes[:, j] >= 0, codes[:, j], size)])
        return torch.from_numpy(np.hstack([offsets, *parts])).float()

    # -- fitting and sampling -----------------------------------------------------------------
    def fit(self, rows, steps=None, seed=0, progress=None):
        s = self.settings
        steps = s["steps"] if steps is None else steps
        mixture_seed, batch_seed, noise_seed = child_seeds(seed, 3)
        self._fit_modes(rows.numeric, mixture_seed)
        self.net.support[:] = fit_support(rows.numeric)
        data = self._encode(rows.numeric, rows.codes).to(self.device)
        onehot = F.one_hot(torch.from_numpy(rows.labels), self.num_classes).float().to(self.device)
        g_batch, g_noise = torch.Generator().manual_seed(batch_seed), torch.Generator().manual_seed(noise_seed)
        net, Fn = self.net, self.shape[0]
        opt = torch.optim.Adam([p for p in net.parameters()], lr=s["lr"], weight_decay=1e-5)
        history = []
        net.train()
        for step in range(steps):
            idx = torch.randint(0, len(data), (min(s["batch_size"], len(data)),), generator=g_batch).to(self.device)
            xb, cb = data[idx], onehot[idx]
            hidden = net.encoder(torch.cat([xb, cb], 1))
            mu, logvar = net.mu(hidden), net.logvar(hidden)
            z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g_noise).to(self.device)
            out = net.decoder(torch.cat([z, cb], 1))
            sigma = net.log_sigma.clamp(-4.6, 0).exp()  # scales between 0.01 and 1, as TVAE bounds them
            recon = (((torch.tanh(out[:, :Fn]) - xb[:, :Fn]) ** 2) / (2 * sigma**2) + net.log_sigma.clamp(-4.6, 0)).sum(1).mean()
            at = Fn
            for size in net.groups:
                recon = recon + F.cross_entropy(out[:, at : at + size], xb[:, at : at + size].argmax(1))
                at += size
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1).mean()
            loss = 2 * recon + kl  # TVAE weighs the reconstruction twice
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 100 == 0 or step == steps - 1:
                history.append({"step": step, "loss": float(loss.detach()), "kl": float(kl.detach())})
            if progress:
                progress(1)
        return history

    def generate(self, labels, generator):
        net, modes, Fn = self.net, self.settings["modes"], self.shape[0]
        z = torch.randn(len(labels), self.settings["latent"], generator=generator).to(self.device)
        cb = F.one_hot(torch.from_numpy(labels), self.num_classes).float().to(self.device)
        out = net.decoder(torch.cat([z, cb], 1)).cpu().double()
        offsets = torch.tanh(out[:, :Fn]).numpy()
        picks, at = [], Fn
        for size in net.groups:
            picks.append(torch.multinomial(torch.softmax(out[:, at : at + size], 1), 1, generator=generator)[:, 0].numpy())
            at += size
        means, stds = net.means.numpy(), net.stds.numpy()
        numeric = np.empty((len(labels), Fn))
        for j in range(Fn):
            mode = picks[j]
            safe = mode.clip(max=modes - 1)
            value = np.clip(offsets[:, j] * 4 * stds[j][safe] + means[j][safe], float(net.low[j]), float(net.high[j]))
            numeric[:, j] = np.where(mode == modes, np.nan, value)
        numeric = snapped(numeric, net.support.numpy())
        codes = np.stack([np.where(p == size, -1, p) for p, size in zip(picks[Fn:], self.categories)], 1) if self.categories \
            else np.zeros((len(labels), 0), np.int64)
        return numeric, codes.astype(np.int64)
