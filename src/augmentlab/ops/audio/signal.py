"""Batched signal processing in torch for the audio ops: every function takes a batch of
waveforms (B, C, T) and per-sample parameters, and runs on the batch's device.

Kept here, apart from the ops, so the ops stay short and the DSP can be tested against
closed forms and librosa on its own.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from augmentlab.ops.kernels.backend import native_cpu

EPS = 1e-8


def per_clip(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(B,) parameters as float32 on ``x``'s device, shaped (B, 1, 1) to broadcast over clips."""
    return values.to(device=x.device, dtype=torch.float32).view(-1, 1, 1)


def rms(x: torch.Tensor) -> torch.Tensor:
    """Root mean square per clip over channels and time, shaped (B, 1, 1)."""
    return x.float().pow(2).mean(dim=(1, 2), keepdim=True).sqrt()


def in_range(y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Back to ``like``'s dtype, clamped to the waveform range [-1, 1]."""
    return y.clamp(-1.0, 1.0).to(like.dtype)


def frame_sizes(rate: int) -> tuple[int, int]:
    """``(n_fft, hop)`` for the phase vocoder: a window of about 32 ms (a power of two) and
    a quarter of it as hop, as librosa's defaults are at 22 kHz."""
    n_fft = 1 << max(6, round(math.log2(0.032 * rate)))
    return n_fft, n_fft // 4


def stft(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """Complex STFT of (B, C, T) as (B, C, n_fft // 2 + 1, frames), Hann window, centred."""
    B, C, T = x.shape
    window = torch.hann_window(n_fft, device=x.device, dtype=torch.float32)
    spec = torch.stft(x.reshape(B * C, T).float(), n_fft, hop, window=window, center=True, return_complex=True)
    return spec.view(B, C, *spec.shape[-2:])


def istft(spec: torch.Tensor, n_fft: int, hop: int, length: int) -> torch.Tensor:
    """The inverse of ``stft`` (Hann window, centred), cut or padded to ``length`` samples.
    On CPU the windowed overlap-add is one numba pass (torch's goes through
    ``unfold_backward``); a spectrum stored frame by frame (as ``stft`` and the vocoder
    kernels leave it) goes to the inverse FFT without a copy."""
    B, C = spec.shape[:2]
    window = torch.hann_window(n_fft, device=spec.device, dtype=torch.float32)
    if not native_cpu(spec):
        out = torch.istft(spec.reshape(B * C, *spec.shape[-2:]), n_fft, hop, window=window, center=True, length=length)
        return out.view(B, C, length)
    from augmentlab.ops.kernels.numba_audio import overlap_add

    count = spec.shape[-1]
    frames = torch.fft.irfft(spec.reshape(B * C, *spec.shape[-2:]).transpose(1, 2), n=n_fft, dim=-1)
    start = n_fft // 2
    out = torch.empty(B * C, length)
    overlap_add(frames.contiguous().numpy(), window.numpy(), hop, _envelope(n_fft, hop, count, start + length), start, out.numpy())
    return out.view(B, C, length)


@functools.lru_cache(maxsize=64)
def _envelope(n_fft: int, hop: int, count: int, size: int) -> np.ndarray:
    """The summed squared Hann windows of ``count`` frames (what overlap-add divides by),
    as torch.istft computes it, extended with ones past the last frame."""
    squared = torch.hann_window(n_fft, dtype=torch.float64).numpy() ** 2
    full = (count - 1) * hop + n_fft
    starts = np.arange(count) * hop
    envelope = np.bincount((starts[:, None] + np.arange(n_fft)).ravel(), weights=np.tile(squared, count), minlength=full)
    envelope = np.maximum(envelope, 1e-11).astype(np.float32)
    if size > full:
        envelope = np.concatenate([envelope, np.ones(size - full, np.float32)])
    envelope.flags.writeable = False
    return envelope


def polar(mag: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """``mag * exp(i * phase)``, written straight into a complex buffer (torch.complex and
    torch.polar each cost several times more on CPU)."""
    buf = torch.empty(*mag.shape, 2, device=mag.device)
    torch.mul(torch.cos(phase), mag, out=buf[..., 0])
    torch.mul(torch.sin(phase), mag, out=buf[..., 1])
    return torch.view_as_complex(buf)


def magnitude_phase(spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """An STFT's magnitudes and phases, in real arithmetic (torch's complex abs and angle
    are several times slower on CPU)."""
    re, im = spec.real.contiguous(), spec.imag.contiguous()
    return torch.hypot(re, im), torch.atan2(im, re)


def phase_vocoder(x: torch.Tensor, rate: torch.Tensor, n_fft: int, hop: int, length: int,
                  keep: torch.Tensor | None = None) -> torch.Tensor:
    """Time-stretch every clip by its own ``rate`` (> 1 faster, < 1 slower) without changing
    pitch, as librosa's phase vocoder does, for a whole batch at once; the output has
    ``length`` samples (cut, or padded with silence where the stretched clip ends).
    ``keep`` (B,) optionally silences each clip's STFT bins from that index up.

    Every output frame reads the input's magnitudes at its fractional frame position; its
    phase advances by the phase difference of the two input frames around that position."""
    spec = stft(x, n_fft, hop)
    B, C, F, frames = spec.shape
    out_frames = (length - 1 + n_fft // 2) // hop + 1  # every frame that overlaps the output, so no sample depends on length
    rate = rate.to(device=x.device, dtype=torch.float32).view(B, 1)
    steps = torch.arange(out_frames, device=x.device, dtype=torch.float32).view(1, -1) * rate  # (B, out)
    keep = torch.full((B,), F, dtype=torch.int64) if keep is None else keep.to(torch.int64)
    if native_cpu(x):
        from augmentlab.ops.kernels.numba_audio import stretch_frames

        # (N, frames, 2F) interleaved real and imaginary parts: no copy, it is stft's layout
        by_frame = torch.view_as_real(spec.reshape(B * C, F, frames).transpose(1, 2)).contiguous().view(B * C, frames, 2 * F)
        out = torch.empty(B * C, out_frames, F, 2)
        stretch_frames(by_frame.numpy(), steps.numpy(), keep.cpu().numpy(), C, out.view(B * C, out_frames, 2 * F).numpy())
        return istft(torch.view_as_complex(out).view(B, C, out_frames, F).transpose(2, 3), n_fft, hop, length)
    mag, phi = (torch.nn.functional.pad(v, (0, 2)) for v in magnitude_phase(spec))  # two silent frames past the end
    # expected phase advance per hop for each bin, and the measured deviation from it
    advance = torch.linspace(0, math.pi * hop, F, device=x.device).view(1, 1, F, 1)
    i0 = steps.floor().long().clamp(max=frames)
    alpha = (steps - i0.float()).view(B, 1, 1, -1)
    index = i0.view(B, 1, 1, -1).expand(B, C, F, out_frames)
    m = torch.lerp(mag.gather(3, index), mag.gather(3, index + 1), alpha)
    dphi = phi.gather(3, index + 1) - phi.gather(3, index) - advance
    dphi = dphi - (2 * math.pi) * torch.round(dphi / (2 * math.pi))
    step = dphi + advance
    phase = phi[..., :1] + torch.cumsum(step, dim=3) - step  # the advance of the frames before each
    m = m * (steps < frames).view(B, 1, 1, -1)  # frames past the clip's end stay silent
    m = m * (torch.arange(F, device=x.device).view(1, F) < keep.to(x.device).view(B, 1)).view(B, 1, F, 1)
    return istft(polar(m, phase), n_fft, hop, length)


def pitch_vocoder(x: torch.Tensor, factor: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """Every frequency of every clip times its own ``factor`` at the same tempo and length,
    as librosa's ``pitch_shift`` does it: stretch each clip to ``factor`` times its length
    with the phase vocoder, then read it back ``factor`` times as fast. What would alias
    when a clip is read faster (above 0.95 / factor of the Nyquist frequency) is silenced
    in the vocoder's STFT, which costs nothing, instead of by a filter of its own."""
    T = x.shape[-1]
    F = n_fft // 2 + 1
    factor = factor.to(device=x.device, dtype=torch.float32)
    keep = torch.where(factor > 1, ((F - 1) * 0.95 / factor).floor().long() + 1, torch.full_like(factor, F, dtype=torch.int64))
    # every clip is read up to its own stretched length, so what it gives does not depend
    # on the longest clip of its batch (the resampler's last taps read two samples on)
    own = (T * factor.double()).ceil().long() + 2
    stretched = phase_vocoder(x, 1.0 / factor, n_fft, hop, int(own.max()), keep=keep)
    inside = torch.arange(stretched.shape[-1], device=x.device).view(1, 1, -1) < own.view(-1, 1, 1)
    return resample_by(torch.where(inside, stretched, 0.0), factor, length=T, antialias=False)


def resample_by(x: torch.Tensor, ratio: torch.Tensor, length: int | None = None, antialias: bool = True) -> torch.Tensor:
    """Read every clip at ``ratio`` times its speed (ratio 2: twice as fast, an octave up),
    into ``length`` samples (default: the input's; silence after the clip ends).
    Speeding up first removes what would alias (a zero-phase low-pass at 0.95 / ratio of
    the Nyquist frequency; ``antialias=False`` for input that has none), then every output sample is a cubic (Catmull-Rom) interpolation of
    four input samples. About 40x faster than a 32-tap windowed sinc and within a few
    tenths of a dB of it below 0.9 of the Nyquist frequency, which is what augmentation
    needs."""
    B, C, T = x.shape
    length = T if length is None else length
    ratio = ratio.to(device=x.device, dtype=torch.float32)
    x = x.float()
    if antialias and bool((ratio > 1).any()):
        freqs = torch.linspace(0.0, 1.0, T // 2 + 1, device=x.device)
        gain = torch.where(ratio.view(-1, 1) > 1, butterworth(freqs, 0.95 / ratio.clamp_min(1.0), 8, high=False),
                           torch.ones(1, device=x.device))
        x = fft_filter(x, gain)
    if native_cpu(x):
        from augmentlab.ops.kernels.numba_audio import cubic_resample

        return torch.from_numpy(cubic_resample(x.contiguous().numpy(), ratio.numpy(), np.empty((B, C, length), np.float32)))
    pos = torch.arange(length, device=x.device, dtype=torch.float32).view(1, length) * ratio.view(B, 1)  # (B, length)
    base = pos.floor()
    t = (pos - base).unsqueeze(1)  # (B, 1, length)
    i = base.long()
    padded = torch.nn.functional.pad(x, (1, 3))  # index k of the clip is k + 1 here; zeros around it
    last = T + 3
    taps = [padded.gather(2, (i + k).clamp(0, last).view(B, 1, length).expand(B, C, length)) for k in range(4)]  # x[i-1 .. i+2]
    p0, p1, p2, p3 = taps
    y = p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)))
    return torch.where((pos < T).view(B, 1, length), y, torch.zeros_like(y))


def fft_filter(x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    """Zero-phase filtering: every clip's spectrum times its own real gain curve
    ``gain`` (B, T // 2 + 1)."""
    T = x.shape[-1]
    spec = torch.fft.rfft(x.float(), dim=-1)
    return torch.fft.irfft(spec * gain.unsqueeze(1), n=T, dim=-1)


def butterworth(freqs: torch.Tensor, cutoff: torch.Tensor, order: int, high: bool) -> torch.Tensor:
    """A Butterworth magnitude response at ``freqs`` (F,) for per-sample ``cutoff`` (B,),
    both as fractions of the Nyquist frequency."""
    ratio = freqs.view(1, -1) / cutoff.view(-1, 1).clamp_min(EPS)
    if high:
        ratio = 1.0 / ratio.clamp_min(EPS)
    return 1.0 / torch.sqrt(1.0 + ratio.pow(2 * order))


def fft_convolve(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Every clip convolved with its own kernel (B, L), cut to the clip's length."""
    T = x.shape[-1]
    n = 1 << math.ceil(math.log2(T + kernels.shape[-1] - 1))
    spec = torch.fft.rfft(x.float(), n=n, dim=-1) * torch.fft.rfft(kernels.float(), n=n, dim=-1).unsqueeze(1)
    return torch.fft.irfft(spec, n=n, dim=-1)[..., :T]
