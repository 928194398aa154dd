"""Point ops: per-sample, per-channel functions of the pixel value (and of the image's own
statistics, such as its mean or histogram).

A point op defines ``transform(v, w, params)`` on values ``v`` (B, C, K) in [0, 1] with
weights ``w`` (B, C, K) or None. For uint8 images ``v`` is the 256 levels and ``w`` the
histogram, so the result is a lookup table and any chain of point ops costs one pass over
the pixels. For float images ``v`` is the pixels themselves and ``w`` is None.
"""

from __future__ import annotations

from abc import abstractmethod

import torch

from augmentlab.ops.base import Op, Params
from augmentlab.ops.image.point_means import MeanPlan, PixelMeans, mean_plan, worth_planning
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.lut import apply_lut_u8, histogram_u8, range_sums_u8

LUMA = (0.299, 0.587, 0.114)


class PointOp(Op):
    family = "photometric"
    # True when the transform reads image statistics (mean, min/max, histogram).
    needs_stats = False
    # True when the only statistic it reads is a mean (``wmean``, ``gray_mean``): after
    # affine ops that needs no histogram (``point_means``).
    mean_only = False

    @abstractmethod
    def transform(self, v: torch.Tensor, w: torch.Tensor | None, params: Params) -> torch.Tensor:
        """The new values of ``v`` (B, C, K); ``w`` are their weights (None: uniform)."""

    def affine(self, params: Params) -> tuple[torch.Tensor | float, torch.Tensor | float] | None:
        """``(scale, offset)`` when ``transform`` is ``scale * v + offset`` whatever the
        statistics (each a number or broadcastable to (B, C, 1)); None otherwise."""
        return None

    def kernel(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        params = dict(params, apply=torch.ones(x.shape[0], dtype=torch.bool))
        return apply_point_chain(x, [(self, params)])


def apply_point_chain(x: torch.Tensor, chain: list[tuple[PointOp, Params]], inplace: bool = False,
                      stats: torch.Tensor | PixelMeans | None = None) -> torch.Tensor:
    """Apply point ops in order (each with its own ``apply`` mask) in one pass; with
    ``inplace``, uint8 results overwrite ``x`` (only for intermediates the caller owns).
    ``stats`` is what the chain reads of uint8 ``x`` (``chain_stats``) when the caller
    already has it."""
    B, C = x.shape[:2]
    if x.dtype == torch.uint8:
        v = (torch.arange(256, dtype=torch.float32, device=x.device) / 255.0).expand(B, C, 256)
        needs = any(op.needs_stats for op, _ in chain)
        w = (stats if stats is not None else chain_stats(x, chain)) if needs else None
    else:
        v, w = x.reshape(B, C, -1).float(), None
    for op, params in chain:
        mask = params["apply"]
        p = {k: t.to(x.device) for k, t in params.items() if k != "apply"}
        out = op.transform(v, w, p).clamp_(0.0, 1.0)
        v = out if bool(mask.all()) else torch.where(mask.to(x.device).view(B, 1, 1), out, v)
    if x.dtype == torch.uint8:
        lut = (v * 255.0).round_().to(torch.uint8)
        return apply_lut_u8(x, lut, inplace=inplace)
    return v.reshape(x.shape).to(x.dtype)


def chain_stats(x: torch.Tensor, chain) -> torch.Tensor | PixelMeans:
    """What ``chain``'s statistics op reads of uint8 ``x``: means from the sums below two
    levels where ``stats_plan`` gives a plan, else the (B, C, 256) histogram."""
    plan = stats_plan(x, chain)
    if plan is None:
        return histogram_u8(x)
    return plan.means(range_sums_u8(x, plan.bounds), x[0, 0].numel())


def stats_plan(x: torch.Tensor, chain) -> MeanPlan | None:
    """The mean plan for ``chain`` on uint8 batch ``x`` where one applies
    (``point_means.mean_plan``) and pays: on CPU (on a GPU the histogram is one
    bincount), for batches large enough (``worth_planning``)."""
    if not (native_cpu(x) and worth_planning(x.numel())):
        return None
    return mean_plan(chain, x.shape[0], x.shape[1])


# -- statistics over weighted values ----------------------------------------------------------
def wmean(v: torch.Tensor, w: torch.Tensor | PixelMeans | None) -> torch.Tensor:
    if isinstance(w, PixelMeans):  # taken for exactly this chain (``point_means.mean_plan``)
        return w.means.to(v.device)
    if w is None:
        return v.mean(-1, keepdim=True)
    return (v * w).sum(-1, keepdim=True) / w.sum(-1, keepdim=True).clamp_min(1.0)


def gray_mean(v: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    """Mean of the luma image, (B, 1, 1): the pivot of contrast (as in torchvision)."""
    means = wmean(v, w)  # (B, C, 1)
    if v.shape[1] == 3:
        coef = torch.tensor(LUMA, dtype=v.dtype, device=v.device).view(1, 3, 1)
        return (means * coef).sum(1, keepdim=True)
    return means.mean(1, keepdim=True)


def wmin_max(v: torch.Tensor, w: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    _histogram_or_none(w)
    if w is None:
        return v.amin(-1, keepdim=True), v.amax(-1, keepdim=True)
    present = w > 0
    lo = v.masked_fill(~present, float("inf")).amin(-1, keepdim=True)
    hi = v.masked_fill(~present, float("-inf")).amax(-1, keepdim=True)
    return lo, hi


def level_histogram(v: torch.Tensor, w: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Quantise values to 256 levels; return (level index, per-channel histogram)."""
    _histogram_or_none(w)
    q = (v * 255.0).round().long().clamp(0, 255)
    weights = torch.ones_like(v) if w is None else w
    hist = torch.zeros(*v.shape[:2], 256, dtype=v.dtype, device=v.device).scatter_add_(2, q, weights)
    return q, hist


def _histogram_or_none(w) -> None:
    if isinstance(w, PixelMeans):  # a bug, not bad input: ``mean_plan`` admits mean-only ops
        raise TypeError("this statistic needs the histogram; the chain was planned for means only")


def factor(params: Params, key: str = "factor") -> torch.Tensor:
    return params[key].float().view(-1, 1, 1)
