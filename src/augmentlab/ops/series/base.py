"""What every series op shares: its modality, and the padding handled once.

``kernel`` finds each series' length (where its trailing all-NaN steps begin), gives the
op the series with the padding set to zero, and puts the NaN padding back on the result,
so an op never reads past a series' end and never changes its length.
"""

from __future__ import annotations

from abc import abstractmethod

import torch

from augmentlab.ops.base import Op
from augmentlab.ops.kernels.rows import put_rows, take_rows
from augmentlab.ops.kernels.series import inside, series_lengths


class SeriesOp(Op):
    modality = "series"
    # the parameter whose value 0 leaves a series unchanged, for ops whose arithmetic is not
    # exactly the identity there (an interpolation at speed 1): those series pass through
    still: str | None = None

    def kernel(self, x, params):
        lengths = series_lengths(x)
        within = inside(lengths, x.shape[2], x.device)
        full = bool((lengths == x.shape[2]).all())  # no padding: nothing to zero or restore
        body = x if full else torch.where(within, x, torch.zeros((), dtype=x.dtype, device=x.device))
        if self.still is not None:
            moving = params[self.still].to(x.device) != 0
            if not bool(moving.any()):
                return x.clone()
            if not bool(moving.all()):
                idx = moving.nonzero().squeeze(1)
                part = self.series(take_rows(body, idx), {k: v[idx.cpu()] for k, v in params.items()},
                                   lengths.index_select(0, idx), within.index_select(0, idx))
                body = put_rows(body, idx, part)
                return body if full else torch.where(within, body, x)
        out = self.series(body, params, lengths, within).to(x.dtype)
        return out if full else torch.where(within, out, x)

    @abstractmethod
    def series(self, x: torch.Tensor, params: dict, lengths: torch.Tensor, within: torch.Tensor) -> torch.Tensor:
        """The transformed series: ``x`` (N, C, T) is zero past each series' ``lengths``
        (N,); ``within`` (N, 1, T) is True before them. What the result holds past a length
        is discarded."""


def per_series(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """One value per series (N,) shaped (N, 1, 1) in ``x``'s dtype and device."""
    return values.to(x.device, x.dtype).view(-1, 1, 1)
