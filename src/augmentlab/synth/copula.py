"""A class-conditional Gaussian copula: per class, each column's own distribution (numeric:
its empirical quantiles; categorical: its category shares; both: how often it is missing)
joined by the correlation of the columns' normal scores (Ledoit-Wolf shrunk, so small
classes stay well conditioned). Fast, and the baseline a deep generator must beat."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import ndtr, ndtri
from torch import nn

from augmentlab.data.table_batch import QUANTILES
from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds
from augmentlab.synth.table_base import MAX_LEVELS, TableGenerator, fit_support, snapped


class _CopulaTables(nn.Module):
    """Every fitted number as a buffer (saved and loaded with the checkpoint)."""

    def __init__(self, K: int, F: int, G: int, most: int):
        super().__init__()
        D = F + G
        self.register_buffer("quantiles", torch.zeros(K, QUANTILES, F, dtype=torch.float64))
        self.register_buffer("support", torch.full((MAX_LEVELS, F), float("nan"), dtype=torch.float64))  # discrete columns' values
        self.register_buffer("cumulative", torch.ones(K, G, max(most, 1), dtype=torch.float64))
        self.register_buffer("missing", torch.zeros(K, D, dtype=torch.float64))
        self.register_buffer("root", torch.eye(D, dtype=torch.float64).repeat(K, 1, 1))  # a square root of each correlation


class GaussianCopula(TableGenerator):
    name = "copula"

    def build(self):
        F, G = self.shape
        return _CopulaTables(self.num_classes, F, G, max(self.categories, default=1))

    def fit(self, rows, steps=None, seed=0, progress=None):
        from scipy.stats import rankdata
        from sklearn.covariance import LedoitWolf

        F, G = self.shape
        t = self.net
        rng = np.random.default_rng(np.random.SeedSequence(child_seeds(seed, 1)[0]))
        present_all = [rows.numeric[:, j][~np.isnan(rows.numeric[:, j])] for j in range(F)]
        t.support[:] = fit_support(rows.numeric)
        probabilities = np.linspace(0, 1, QUANTILES)
        for c in range(self.num_classes):
            mine = rows.labels == c
            if not mine.any():
                raise AugmentlabError(f"class {c} has no training rows; a class-conditional generator needs some of every class")
            numeric, codes = rows.numeric[mine], rows.codes[mine]
            scores = np.zeros((len(numeric), F + G))
            for j in range(F):
                values = numeric[:, j]
                present = ~np.isnan(values)
                pool = values[present] if present.any() else present_all[j]
                if len(pool) == 0:
                    raise AugmentlabError(f"column {self.schema.numeric_columns[j].name!r} has no values to fit")
                t.quantiles[c, :, j] = torch.from_numpy(np.quantile(pool, probabilities))
                t.missing[c, j] = float(1 - present.mean())
                if present.any():  # mid-ranks as normal scores; missing cells score 0 (no pull)
                    scores[present, j] = ndtri((rankdata(values[present]) - 0.5) / present.sum())
            for j, size in enumerate(self.categories):
                column = codes[:, j]
                present = column >= 0
                counts = np.bincount(column[present], minlength=size).astype(np.float64) + 1e-3  # every category stays possible
                cumulative = np.cumsum(counts / counts.sum())
                t.cumulative[c, j, :size] = torch.from_numpy(cumulative)
                t.missing[c, F + j] = float(1 - present.mean())
                if present.any():  # a uniform draw within the category's interval, as a normal score
                    low = np.concatenate([[0.0], cumulative])[column[present]]
                    high = cumulative[column[present]]
                    scores[present, F + j] = ndtri(np.clip(low + rng.random(present.sum()) * (high - low), 1e-9, 1 - 1e-9))
            D = F + G
            cov = LedoitWolf().fit(scores).covariance_ if len(scores) > 1 else np.eye(D)
            scale = np.sqrt(np.clip(np.diag(cov), 1e-12, None))
            corr = cov / np.outer(scale, scale)
            w, v = np.linalg.eigh((corr + corr.T) / 2)
            t.root[c] = torch.from_numpy(v * np.sqrt(np.clip(w, 0, None)))
            if progress:
                progress(1)
        return []

    def generate(self, labels, generator):
        F, G = self.shape
        t = self.net
        N = len(labels)
        z = torch.randn(N, F + G, generator=generator, dtype=torch.float64).numpy()
        gone = torch.rand(N, F + G, generator=generator, dtype=torch.float64).numpy()
        root = t.root.numpy()[labels]  # (N, D, D)
        u = ndtr(np.einsum("nij,nj->ni", root, z))
        at = u[:, :F] * (QUANTILES - 1)  # where each value falls on its class's quantile grid
        low = np.floor(at).astype(np.int64).clip(0, QUANTILES - 1)
        high = np.minimum(low + 1, QUANTILES - 1)
        quantiles = t.quantiles.numpy()[labels]  # (N, Q, F)
        a = np.take_along_axis(quantiles, low[:, None, :], axis=1)[:, 0]
        b = np.take_along_axis(quantiles, high[:, None, :], axis=1)[:, 0]
        numeric = snapped(a + (at - low) * (b - a), t.support.numpy())
        numeric[gone[:, :F] < t.missing.numpy()[labels, :F]] = np.nan
        codes = np.empty((N, G), np.int64)
        cumulative = t.cumulative.numpy()
        for j, size in enumerate(self.categories):
            for c in np.unique(labels):
                mine = labels == c
                codes[mine, j] = np.minimum(np.searchsorted(cumulative[c, j, :size], u[mine, F + j], side="right"), size - 1)
        codes[gone[:, F:] < t.missing.numpy()[labels, F:]] = -1
        return numeric, codes
