"""MixUp for tables. A row is mixed with another row of its own class, its weight
max(lambda, 1 - lambda) with lambda ~ Beta(m, m): numeric values are blended, and each
categorical or boolean value is the partner's with probability 1 - weight, so categories
never leave their set. Mixing within a class keeps the row's label hard, which is what the
lab's scikit-learn models train on."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.ops.batch import BatchOp
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.table.base import TableOp
from augmentlab.rng import seeds_from


def same_class_partners(labels: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Each row's partner: the next row of its class in the order of ``key`` (cyclic; a
    row alone in its class is its own partner)."""
    partner = np.arange(len(labels))
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        order = rows[np.argsort(key[rows], kind="stable")]
        partner[order] = np.roll(order, -1)
    return partner


@register
class TableMixUp(BatchOp, TableOp):
    name = "mixup"
    modality = "table"
    family = "mix"
    magnitude = Magnitude("Beta concentration alpha", 1.0, "", drawn=False)
    controls = "Beta(alpha, alpha) with alpha = m; each row mixed with a row of its class, weight max(lambda, 1 - lambda)"

    def sample_params(self, g, batch, shape):
        lam = torch.ones(batch, dtype=torch.float64)
        rng = np.random.default_rng(int(seeds_from(g, 1)[0]))  # numpy's Beta on a stream of ours
        if self.m > 0:
            lam = torch.from_numpy(rng.beta(self.m, self.m, size=batch))
        return {"lam": lam, "key": torch.rand(batch, generator=g, dtype=torch.float64),
                "pick": torch.rand(batch, shape[1], generator=g, dtype=torch.float64)}

    def kernel(self, x, params):
        lam = params["lam"].numpy()
        weight = np.maximum(lam, 1 - lam)[:, None]
        partner = same_class_partners(x.labels, params["key"].numpy())
        theirs = x.numeric[partner]
        numeric = np.where(np.isnan(theirs), x.numeric, weight * x.numeric + (1 - weight) * theirs)
        their_codes = x.codes[partner]
        take = (params["pick"].numpy() < 1 - weight) & (their_codes >= 0)
        return x.with_values(numeric, np.where(take, their_codes, x.codes))

    def apply_batch(self, x, target, num_classes, generator, *, model=None, forward=None):
        return self(x, generator), target
