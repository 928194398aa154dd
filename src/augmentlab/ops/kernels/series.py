"""Batched kernels for time series (N, C, T), in torch so the same code runs on CPU and CUDA:
reading each series at fractional times (the base of time warping, window slicing and
window warping) and smooth random curves through knots (natural cubic splines, as Um et
al. 2017 draw their warps). Every series may have its own length; positions and curves
are per series, and what lies past a series' length stays zero."""

from __future__ import annotations

import functools

import torch

from augmentlab.data.series_dataset import series_lengths as _lengths_torch
from augmentlab.ops.kernels.backend import native_cpu


def series_lengths(x: torch.Tensor) -> torch.Tensor:
    """(N,) int64 lengths of NaN-padded (N, C, T) series (``data/series_dataset.series_lengths``);
    on CPU by looking back from each series' end only."""
    if native_cpu(x) and x.dtype in (torch.float32, torch.float64) and x.numel():
        from augmentlab.ops.kernels import numba_series

        out = torch.empty(x.shape[0], dtype=torch.int64)
        numba_series.lengths_from_padding(x.contiguous().numpy(), out.numpy())
        return out
    return _lengths_torch(x)


def read_at(x: torch.Tensor, positions: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, T) read at fractional ``positions`` (N, T), linearly between samples;
    positions are clamped to each series' ``[0, length - 1]`` and the output is zero from
    each series' length on."""
    N, C, T = x.shape
    if native_cpu(x) and x.dtype in (torch.float32, torch.float64):
        from augmentlab.ops.kernels import numba_series

        out = torch.empty_like(x)
        numba_series.read_at(x.contiguous().numpy(), positions.to(torch.float64).contiguous().numpy(),
                             lengths.to(torch.int64).contiguous().numpy(), out.numpy())
        return out
    full = bool((lengths == T).all())  # no padding: one bound for every series
    if full:
        pos = positions.clamp(0, T - 1)
        left = pos.to(torch.int64)  # truncation is the floor of a non-negative position
        right = (left + 1).clamp_(max=T - 1)
    else:
        last = (lengths.to(positions.device) - 1).clamp_min(0).view(N, 1)
        pos = positions.clamp(min=0).minimum(last.to(positions.dtype))
        left = pos.to(torch.int64)
        right = (left + 1).minimum(last)
    frac = pos.frac().to(x.dtype).unsqueeze(1)  # (pos - left mixes dtypes: five times slower)
    lo = x.gather(2, left.unsqueeze(1).expand(N, C, T))
    hi = x.gather(2, right.unsqueeze(1).expand(N, C, T))
    out = lo.add_((hi - lo).mul_(frac))
    if full:
        return out
    return out * (torch.arange(T, device=x.device).view(1, 1, T) < lengths.to(x.device).view(N, 1, 1))


def natural_spline(knot_x: torch.Tensor, knot_y: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """A natural cubic spline through ``(knot_x, knot_y[n])`` for every row ``n``, read at
    ``at`` ((M,) for all rows, or (N, M)). ``knot_x`` (K,) increasing, shared by the rows:
    the tridiagonal system is solved once for all of them."""
    K = knot_x.shape[0]
    dtype = torch.float64
    xk, yk = knot_x.to(dtype), knot_y.to(dtype)
    h = xk[1:] - xk[:-1]  # (K-1,)
    second = torch.zeros(yk.shape[0], K, dtype=dtype, device=yk.device)
    if K > 2:
        A = torch.zeros(K - 2, K - 2, dtype=dtype, device=yk.device)
        idx = torch.arange(K - 2, device=yk.device)
        A[idx, idx] = 2 * (h[:-1] + h[1:])
        A[idx[:-1], idx[:-1] + 1] = h[1:-1]
        A[idx[:-1] + 1, idx[:-1]] = h[1:-1]
        slope = (yk[:, 1:] - yk[:, :-1]) / h
        rhs = 6 * (slope[:, 1:] - slope[:, :-1])  # (N, K-2)
        second[:, 1:-1] = torch.linalg.solve(A, rhs.T).T
    at = at.to(dtype)
    rows = at if at.ndim == 2 else at.expand(yk.shape[0], -1)
    seg = torch.searchsorted(xk.contiguous(), rows.contiguous(), right=True).sub(1).clamp(0, K - 2)
    x0, hs = xk[seg], h[seg]
    y0, y1 = yk.gather(1, seg), yk.gather(1, seg + 1)
    m0, m1 = second.gather(1, seg), second.gather(1, seg + 1)
    t = rows - x0
    u = hs - t
    return (m0 * u**3 + m1 * t**3) / (6 * hs) + (y0 / hs - m0 * hs / 6) * u + (y1 / hs - m1 * hs / 6) * t


@functools.lru_cache(maxsize=64)
def _spline_basis(knots: int, length: int, T: int, device: str) -> torch.Tensor:
    """(knots, T) float64: the natural splines through unit knot values spread evenly over
    a series of ``length`` steps, read at every step (held at the last knot past the end).
    Cached: a batch's lengths repeat from batch to batch (read-only; never written to)."""
    unit = torch.linspace(0.0, 1.0, knots, dtype=torch.float64, device=device)
    eye = torch.eye(knots, dtype=torch.float64, device=device)
    steps = torch.arange(T, dtype=torch.float64, device=device)
    return natural_spline(unit, eye, (steps / max(length - 1, 1)).clamp(max=1.0))


def knot_curves(values: torch.Tensor, lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(N, T) smooth curves: a natural spline through each row of ``values`` (N, K) placed
    at K evenly spaced points of its series (from its first to its last sample, by its own
    length), read at every time step (past the length: held at the last knot).

    A spline is linear in its knot values, so for each distinct length the K basis curves
    (the splines through unit knots) are computed once and the curves are one matrix product."""
    N, K = values.shape
    device = str(values.device)
    distinct = torch.unique(lengths)
    if len(distinct) == 1:
        return values.to(torch.float64) @ _spline_basis(K, int(distinct[0]), T, device)
    out = torch.empty(N, T, dtype=torch.float64, device=values.device)
    for length in distinct.tolist():
        rows = (lengths == length).nonzero().squeeze(1).to(values.device)
        out[rows] = values.index_select(0, rows).to(torch.float64) @ _spline_basis(K, length, T, device)
    return out


def _span(lengths: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
    """(N, 1) each series' last index, L - 1 (at least 0)."""
    return (lengths.to(dtype) - 1).clamp_min(0).view(-1, 1)


def time_warp_positions(speed: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Where each output step reads its series when time runs at ``speed`` (N, T), a
    positive curve: the cumulative sum of the speed, scaled so the first step reads sample
    0 and step L - 1 reads sample L - 1. Monotone, so the order of events is kept."""
    N, T = speed.shape
    steps = speed.to(torch.float64).clamp_min(1e-6)
    if not bool((lengths == T).all()):
        inside = torch.arange(T, device=speed.device).view(1, T) < lengths.to(speed.device).view(N, 1)
        steps = steps * inside
    steps[:, 0] = 0.0
    travelled = steps.cumsum(1)
    total = travelled.gather(1, (lengths.to(speed.device).view(N, 1) - 1).clamp_min(0)).clamp_min(1e-12)
    return travelled.mul_(_span(lengths).to(speed.device) / total)


def time_warped(x: torch.Tensor, speed: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``x`` read where ``time_warp_positions(speed, lengths)`` says, in one pass on CPU."""
    if native_cpu(x) and x.dtype in (torch.float32, torch.float64):
        from augmentlab.ops.kernels import numba_series

        out = torch.empty_like(x)
        numba_series.time_warped(x.contiguous().numpy(), speed.to(torch.float64).contiguous().numpy(),
                                 lengths.to(torch.int64).contiguous().numpy(), out.numpy())
        return out
    return read_at(x, time_warp_positions(speed, lengths), lengths)


def window_slice_positions(start: torch.Tensor, ratio: torch.Tensor, lengths: torch.Tensor, T: int) -> torch.Tensor:
    """Window slicing (Le Guennec et al. 2016): read the window of ``ratio`` (N,) of each
    series beginning at ``start`` (N,, a share of the room left), stretched over its whole length."""
    span = _span(lengths)
    width = ratio.to(torch.float64).view(-1, 1) * span
    first = start.to(torch.float64).view(-1, 1) * (span - width)
    t = torch.arange(T, dtype=torch.float64).view(1, T)
    return first + t * width / span.clamp_min(1.0)


def window_warp_positions(start: torch.Tensor, width: torch.Tensor, scale: torch.Tensor, lengths: torch.Tensor,
                          T: int) -> torch.Tensor:
    """Window warping (Le Guennec et al. 2016): a window of ``width`` (N,, a share of the
    length) beginning at ``start`` (N,, a share of the room left) is slowed down or sped up
    by ``scale`` (N,, 2 doubles it), then the whole series is resampled back to its length.
    Returns where each output step reads its series; monotone, endpoints kept."""
    span = _span(lengths)
    w = width.to(torch.float64).view(-1, 1) * span
    a = start.to(torch.float64).view(-1, 1) * (span - w)
    s = scale.to(torch.float64).view(-1, 1)
    stretched = w * s
    total = span - w + stretched  # the warped series' last index
    t = torch.arange(T, dtype=torch.float64).view(1, T)
    u = t * total / span.clamp_min(1.0)  # output step -> time on the warped axis
    inside = a + (u - a) / s
    after = a + w + (u - a - stretched)
    return torch.where(u < a, u, torch.where(u < a + stretched, inside, after))


# -- lengths: a series ends where its trailing all-NaN steps begin ---------------------------------
def inside(lengths: torch.Tensor, T: int, device=None) -> torch.Tensor:
    """(N, 1, T) True before each series' length."""
    return torch.arange(T, device=device).view(1, 1, T) < lengths.to(device).view(-1, 1, 1)


def channel_std(x: torch.Tensor, within: torch.Tensor) -> torch.Tensor:
    """(N, C, 1) each channel's standard deviation over its steps ``within`` (N, 1, T),
    leaving missing values out; 1 where a channel is constant or empty (so noise relative to
    it still moves it)."""
    if bool(within.all()) and not bool(torch.isnan(x).any()):
        centred = x - x.mean(dim=2, keepdim=True)  # two passes: torch's std is eight times slower here
        std = centred.mul_(centred).mean(dim=2, keepdim=True).sqrt_().double()
    else:
        ok = within & ~torch.isnan(x)
        count = ok.sum(dim=2, keepdim=True).clamp_min(1)
        values = torch.where(ok, x, torch.zeros((), dtype=x.dtype, device=x.device)).double()
        mean = values.sum(dim=2, keepdim=True) / count
        spread = torch.where(ok, values - mean, torch.zeros((), dtype=torch.float64, device=x.device))
        std = ((spread**2).sum(dim=2, keepdim=True) / count).sqrt()
    return torch.where(std > 1e-12, std, torch.ones_like(std)).to(x.dtype)


def _int64(value: int) -> int:
    """An unsigned 64-bit constant as the signed int64 torch holds (the same bits)."""
    return value - (1 << 64) if value >= (1 << 63) else value


_GOLDEN, _MIX1, _MIX2 = _int64(0x9E3779B97F4A7C15), _int64(0xBF58476D1CE4E5B9), _int64(0x94D049BB133111EB)


def _xorshift(z: torch.Tensor, shift: int) -> None:
    """``z ^= z >> shift`` with a logical shift (torch's ``>>`` on int64 keeps the sign)."""
    z ^= (z >> shift) & ((1 << (64 - shift)) - 1)


def hashed_uniform(seed: torch.Tensor, count: int) -> torch.Tensor:
    """(N, count) float32 numbers in (0, 1) that depend only on each row's ``seed`` (N,) and
    the column: SplitMix64's finaliser on a counter (int64 arithmetic wraps alike on every
    device), the top 24 bits kept. The same for every batch a sample is in."""
    if native_cpu(seed):
        from augmentlab.ops.kernels import numba_series

        out = torch.empty(seed.shape[0], count, dtype=torch.float32)
        numba_series.hashed_uniform(seed.contiguous().numpy(), out.numpy())
        return out
    z = torch.arange(count, dtype=torch.int64, device=seed.device).mul_(_GOLDEN).view(1, -1) + seed.view(-1, 1).mul(_MIX1)
    _xorshift(z, 30)
    z *= _MIX1
    _xorshift(z, 27)
    z *= _MIX2
    _xorshift(z, 31)
    return ((z >> 40) & 0xFFFFFF).to(torch.float32).add_(0.5).mul_(1.0 / (1 << 24))


def hashed_normal(seed: torch.Tensor, count: int) -> torch.Tensor:
    """(N, count) float32 standard normal numbers from each row's ``seed`` (Box-Muller on
    ``hashed_uniform``, both of each pair used): vectorised over the batch (torch's
    vectorised logarithm and sines; a scalar loop of them in numba was three times slower)."""
    half = (count + 1) // 2
    u = hashed_uniform(seed, 2 * half)
    radius = u[:, :half].log().mul_(-2.0).sqrt_()
    turn = u[:, half:].mul(2.0 * torch.pi)
    return torch.cat([radius * turn.cos(), radius * turn.sin()], dim=1)[:, :count]


def permutation_index(cuts: torch.Tensor, count: torch.Tensor, keys: torch.Tensor, lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(N, T) where each output step reads its series when the series is cut into
    ``count + 1`` (N,) segments at the shares ``cuts`` (N, K) of its length (only the first
    ``count`` are used) and the segments are put in the order of ``keys`` (N, K + 1)."""
    N, K = cuts.shape
    L = lengths.to(torch.int64).view(N, 1)
    used = torch.arange(K).view(1, K) < count.view(N, 1)
    points = torch.where(used, (cuts.double() * L).round().long().clamp(0, None).minimum(L), L).sort(dim=1).values
    bounds = torch.cat([torch.zeros(N, 1, dtype=torch.int64), points, L], dim=1)  # (N, K + 2)
    sizes = bounds[:, 1:] - bounds[:, :-1]  # (N, K + 1)
    order = keys.argsort(dim=1)
    moved = sizes.gather(1, order)
    ends = moved.cumsum(1)
    t = torch.arange(T, dtype=torch.int64).view(1, T).expand(N, T)
    slot = torch.searchsorted(ends, t.contiguous(), right=True).clamp(max=K)
    starts = ends - moved
    source = bounds[:, :-1].gather(1, order).gather(1, slot) + t - starts.gather(1, slot)
    return source.minimum(L - 1).clamp_min(0)
