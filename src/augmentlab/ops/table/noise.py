"""Cell-wise table ops: Gaussian noise scaled to each numeric column's spread, swap noise
(cells replaced by draws from their column's own values, which on categorical columns is
category resampling), and feature masking (cells made missing)."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.table.base import TableOp, cell_share, check_columns, touched


@register
class GaussianNoise(TableOp):
    """Noise added to every numeric value, its standard deviation a share of the column's
    (categorical and boolean columns and missing values are left alone)."""

    name = "gaussian_noise"
    family = "noise"
    magnitude = Magnitude("noise standard deviation", 0.2, "of each numeric column's standard deviation")
    controls = "noise: up to 0.2·m of each numeric column's standard deviation"

    def sample_params(self, g, batch, shape):
        F, _ = shape
        return {"sigma": self.unsigned(g, batch, 0.2), "noise": torch.randn(batch, F, generator=g, dtype=torch.float64)}

    def kernel(self, x, params):
        noise = params["noise"].numpy() * params["sigma"].numpy()[:, None] * x.stats.scale[None, :]
        return x.with_values(numeric=x.numeric + noise)


class CellOp(TableOp):
    """An op on a share of each row's cells (up to ``at_one * m``), within a column set."""

    at_one = 0.3

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", columns: str = "all"):
        super().__init__(m, p, mode)
        self.columns = check_columns(self.name, columns)

    def sample_params(self, g, batch, shape):
        return cell_share(self, g, batch, shape, self.at_one)


@register
class SwapNoise(CellOp):
    """A share of each row's cells replaced by a draw from the column's values (numeric: its
    empirical distribution; categorical and boolean: its category shares), as in the swap
    noise of denoising autoencoders for tables. ``columns="categorical"`` resamples only the
    categories."""

    name = "swap_noise"
    family = "noise"
    magnitude = Magnitude("share of cells replaced", 0.3, "of each row's cells")
    controls = "up to 0.3·m of a row's cells replaced by draws from their columns"

    def sample_params(self, g, batch, shape):
        F, G = shape
        return {**super().sample_params(g, batch, shape), "draw": torch.rand(batch, F + G, generator=g, dtype=torch.float64)}

    def kernel(self, x, params):
        F = x.numeric.shape[1]
        hit_numeric, hit_coded = touched(params, tuple(x.shape[1:]), self.columns)
        draw = params["draw"].numpy()
        stats = x.stats
        numeric, codes = x.numeric.copy(), x.codes.copy()
        if F:
            Q = stats.quantiles.shape[0]
            at = np.minimum((draw[:, :F] * Q).astype(np.int64), Q - 1)
            values = np.take_along_axis(stats.quantiles, at, axis=0)
            replace = hit_numeric & ~np.isnan(values)  # a column with no values has nothing to draw
            numeric[replace] = values[replace]
        for j, shares in enumerate(stats.frequencies):
            drawn = np.minimum(np.searchsorted(np.cumsum(shares), draw[:, F + j], side="right"), len(shares) - 1)
            codes[:, j] = np.where(hit_coded[:, j], drawn, codes[:, j])
        return x.with_values(numeric, codes)


@register
class FeatureMask(CellOp):
    """A share of each row's cells made missing (NaN, or no category): the model learns
    not to lean on any one column. The lab's models take missing values as they come."""

    name = "feature_mask"
    family = "masking"
    magnitude = Magnitude("share of cells masked", 0.3, "of each row's cells")
    controls = "up to 0.3·m of a row's cells made missing"

    def kernel(self, x, params):
        hit_numeric, hit_coded = touched(params, tuple(x.shape[1:]), self.columns)
        return x.with_values(np.where(hit_numeric, np.nan, x.numeric), np.where(hit_coded, -1, x.codes))
