"""CPU kernels for the audio tempo ops, compiled with numba: each reads its input once and
writes its output once, where the torch formulation makes a dozen passes over the batch
(the phase vocoder's interpolation and phase accumulation; cubic resampling). CUDA and
``torch_kernels()`` use the torch code in ``ops/audio/signal.py``; tests hold the two
together."""

from __future__ import annotations

import math

import numba
import numpy as np

TWO_PI = 2.0 * math.pi


@numba.njit(nogil=True, cache=True)
def vocoder_frames(mag, phi, steps, frames, advance, out_mag, out_phase):
    """For every output frame t of clip b, read at fractional input frame ``steps[b, t]``:
    the interpolated magnitude (zero past the clip's end) and the accumulated phase.
    ``mag``/``phi`` are (B, C, F, frames + 2) float32 with two silent frames at the end.
    Where each output frame reads is worked out once per clip, not once per bin."""
    B, C, F, _ = mag.shape
    n_out = steps.shape[1]
    i0s = np.empty(n_out, np.int64)
    alphas = np.empty(n_out, np.float64)
    alive = np.empty(n_out, np.bool_)
    for b in range(B):
        for t in range(n_out):
            s = steps[b, t]
            i0 = int(math.floor(s))
            if i0 > frames:
                i0 = frames
            i0s[t] = i0
            alphas[t] = s - i0
            alive[t] = s < frames
        for c in range(C):
            for f in range(F):
                acc = phi[b, c, f, 0]
                adv = advance[f]
                mrow = mag[b, c, f]
                prow = phi[b, c, f]
                for t in range(n_out):
                    i0 = i0s[t]
                    m0 = mrow[i0]
                    m = m0 + alphas[t] * (mrow[i0 + 1] - m0)
                    out_mag[b, c, f, t] = m if alive[t] else 0.0
                    out_phase[b, c, f, t] = acc
                    d = prow[i0 + 1] - prow[i0] - adv
                    d = d - TWO_PI * np.round(d / TWO_PI)
                    acc += adv + d
    return out_mag


@numba.njit(nogil=True, cache=True)
def cubic_resample(x, ratio, out):
    """``out[b, c, n]`` = clip b read at position ``n * ratio[b]`` by Catmull-Rom
    interpolation of its four neighbours (zero outside the clip, silence once it ends)."""
    B, C, T = x.shape
    for b in range(B):
        r = ratio[b]
        for c in range(C):
            for n in range(T):
                pos = n * r
                if pos >= T:
                    out[b, c, n] = 0.0
                    continue
                i = int(math.floor(pos))
                t = pos - i
                p0 = x[b, c, i - 1] if i >= 1 else 0.0
                p1 = x[b, c, i]
                p2 = x[b, c, i + 1] if i + 1 < T else 0.0
                p3 = x[b, c, i + 2] if i + 2 < T else 0.0
                out[b, c, n] = p1 + 0.5 * t * (p2 - p0 + t * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + t * (3.0 * (p1 - p2) + p3 - p0)))
    return out


@numba.njit(nogil=True, cache=True)
def pitch_frames(mag, phi, factor, advance, out_mag, out_phase):
    """Every frequency scaled by ``factor[b]`` at the same frame times: output bin k reads
    the magnitude at input bin k / factor (interpolated) and advances its phase by factor
    times the instantaneous frequency of the nearest input bin. ``mag``/``phi`` are
    (B, C, F, frames) float32."""
    B, C, F, frames = mag.shape
    for b in range(B):
        fac = factor[b]
        for c in range(C):
            for k in range(F):
                src = k / fac
                j = int(math.floor(src))
                a = src - j
                jr = int(math.floor(src + 0.5))
                if jr >= F:
                    for t in range(frames):
                        out_mag[b, c, k, t] = 0.0
                        out_phase[b, c, k, t] = 0.0
                    continue
                adv = advance[jr]
                acc = phi[b, c, jr, 0]
                for t in range(frames):
                    if t > 0:
                        d = phi[b, c, jr, t] - phi[b, c, jr, t - 1] - adv
                        acc += fac * (adv + d - TWO_PI * np.round(d / TWO_PI))
                    m0 = mag[b, c, j, t] if j < F else 0.0
                    m1 = mag[b, c, j + 1, t] if j + 1 < F else 0.0
                    out_mag[b, c, k, t] = m0 + a * (m1 - m0)
                    out_phase[b, c, k, t] = acc
    return out_mag


@numba.njit(nogil=True, cache=True)
def overlap_add(frames, hop, envelope, start, out):
    """Inverse STFT's last step: windowed frames (N, count, n_fft) added at every ``hop``,
    divided by the summed squared window ``envelope``, from sample ``start`` on."""
    N, count, n_fft = frames.shape
    length = out.shape[1]
    for b in range(N):
        for i in range(length):
            out[b, i] = 0.0
        for f in range(count):
            base = f * hop - start
            lo = max(0, -base)
            hi = min(n_fft, length - base)
            for k in range(lo, hi):
                out[b, base + k] += frames[b, f, k]
        for i in range(length):
            out[b, i] /= envelope[start + i]
    return out
