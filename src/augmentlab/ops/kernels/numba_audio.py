"""CPU kernels for the audio tempo ops, compiled with numba: a few passes over the batch
where the torch formulation makes a dozen (the phase vocoder's interpolation and phase
accumulation, cubic resampling, overlap-add). Inner loops run over contiguous rows with
few arrays and ``error_model="numpy"`` (no zero-division checks), so LLVM vectorises
them. CUDA and ``torch_kernels()`` use the torch code in ``ops/audio/signal.py``; tests
hold the two together."""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(nogil=True, cache=True, error_model="numpy")
def stretch_frames(spec, steps, keep, channels, out):
    """The phase vocoder's frames. ``spec`` (N, frames, 2F) holds the interleaved real and
    imaginary parts of N = B * channels STFTs of F bins; output frame t of row n (in
    ``out``, (N, n_out, 2F)) is read at fractional input frame ``steps[n // channels, t]``:
    the magnitude interpolated between the two frames around it (zero past the clip's
    end), times a unit phasor that starts at the first frame's phase and turns, at every
    output frame, by the phase difference of the two input frames it read. Bins from
    ``keep[n // channels]`` up are silenced (the low-pass a pitch shift needs before it
    reads the stretched clip faster).

    Turning a phasor by ``u[i + 1] * conj(u[i])`` (u = X / |X|) is the same as adding the
    wrapped phase difference to an accumulated angle, as librosa does, but needs no atan2,
    sine or cosine per bin; the phasor is brought back to unit length every frame so
    rounding cannot build up over long clips. Every inner loop runs over bins, touches few
    arrays and keeps interleaved data to plain copies, so LLVM vectorises each of them."""
    N, frames, F2 = spec.shape
    F = F2 // 2
    n_out = out.shape[1]
    one, zero = np.float32(1.0), np.float32(0.0)
    mag = np.zeros((frames + 2, F), np.float32)  # two silent frames past the end
    ur = np.ones((frames + 2, F), np.float32)  # unit phasors; a silent bin has phase 0
    ui = np.zeros((frames + 2, F), np.float32)
    turn_r = np.ones((frames + 1, F), np.float32)  # u[i + 1] * conj(u[i])
    turn_i = np.zeros((frames + 1, F), np.float32)
    pr = np.empty(F, np.float32)
    pi = np.empty(F, np.float32)
    m = np.empty(F, np.float32)
    for n in range(N):
        for i in range(frames):
            row, m_row, r_row, i_row = spec[n, i], mag[i], ur[i], ui[i]
            for f in range(F):
                r_row[f] = row[2 * f]
                i_row[f] = row[2 * f + 1]
            for f in range(F):
                m_row[f] = np.sqrt(r_row[f] * r_row[f] + i_row[f] * i_row[f])
            for f in range(F):
                inv = one / m_row[f]
                r_row[f] = r_row[f] * inv if m_row[f] > 0 else one
                i_row[f] = i_row[f] * inv if m_row[f] > 0 else zero
        for i in range(frames):
            ar, ai, br, bi, tr, ti = ur[i], ui[i], ur[i + 1], ui[i + 1], turn_r[i], turn_i[i]
            for f in range(F):
                tr[f] = br[f] * ar[f] + bi[f] * ai[f]
                ti[f] = bi[f] * ar[f] - br[f] * ai[f]
        pr[:] = ur[0]
        pi[:] = ui[0]
        top = min(F, keep[n // channels])
        m[top:] = 0.0
        for t in range(n_out):
            s = steps[n // channels, t]
            i0 = min(int(math.floor(s)), frames)
            alpha = np.float32(s - i0)
            gain = one if s < frames else zero
            ma, mb, row = mag[i0], mag[i0 + 1], out[n, t]
            for f in range(top):
                m[f] = gain * (ma[f] + alpha * (mb[f] - ma[f]))
            for f in range(F):
                row[2 * f] = m[f] * pr[f]
                row[2 * f + 1] = m[f] * pi[f]
            tr, ti = turn_r[i0], turn_i[i0]
            for f in range(F):
                qr = pr[f] * tr[f] - pi[f] * ti[f]
                qi = pr[f] * ti[f] + pi[f] * tr[f]
                inv = one / np.sqrt(qr * qr + qi * qi)
                pr[f] = qr * inv
                pi[f] = qi * inv
    return out


@numba.njit(nogil=True, cache=True, inline="always")
def _catmull_rom(p0, p1, p2, p3, t):
    return p1 + np.float32(0.5) * t * (p2 - p0 + t * (np.float32(2.0) * p0 - np.float32(5.0) * p1 + np.float32(4.0) * p2 - p3
                                                        + t * (np.float32(3.0) * (p1 - p2) + p3 - p0)))


@numba.njit(nogil=True, cache=True, inline="always")
def _read_near_edge(src, pos):
    """A Catmull-Rom read at ``pos`` where some of the four taps fall outside the clip
    (they count as zero), or silence past its end."""
    T = src.shape[0]
    if pos >= T:
        return np.float32(0.0)
    i = int(math.floor(pos))
    zero = np.float32(0.0)
    p0 = src[i - 1] if i >= 1 else zero
    p2 = src[i + 1] if i + 1 < T else zero
    p3 = src[i + 2] if i + 2 < T else zero
    return _catmull_rom(p0, src[i], p2, p3, np.float32(pos - i))


@numba.njit(nogil=True, cache=True, error_model="numpy")
def cubic_resample(x, ratio, out):
    """``out[b, c, n]`` = clip b read at position ``n * ratio[b]`` by Catmull-Rom
    interpolation of its four neighbours (zero outside the clip, silence once it ends).
    ``out`` may be shorter or longer than ``x``. The outputs whose four taps all lie in
    the clip take a loop without bounds tests."""
    B, C, T = x.shape
    length = out.shape[2]
    for b in range(B):
        r = np.float64(ratio[b])
        inner_lo = min(length, int(math.ceil(1.0 / r)))  # from here floor(n r) >= 1 ...
        inner_hi = max(inner_lo, min(length, int(math.ceil((T - 2) / r))))  # ... and <= T - 3 before here
        for c in range(C):
            src, dst = x[b, c], out[b, c]
            for n in range(inner_lo):
                dst[n] = _read_near_edge(src, n * r)
            for n in range(inner_lo, inner_hi):
                pos = n * r
                i = int(pos)
                dst[n] = _catmull_rom(src[i - 1], src[i], src[i + 1], src[i + 2], np.float32(pos - i))
            for n in range(inner_hi, length):
                dst[n] = _read_near_edge(src, n * r)
    return out


@numba.njit(nogil=True, cache=True, error_model="numpy")
def overlap_add(frames, window, hop, envelope, start, out):
    """Inverse STFT's last step: frames (N, count, n_fft) times ``window``, added at every
    ``hop``, divided by the summed squared window ``envelope``, from sample ``start`` on.
    The frames are added through slices, whose indices numba knows are never negative
    (indexing with ``base + k`` checks for wrap-around and does not vectorise)."""
    N, count, n_fft = frames.shape
    length = out.shape[1]
    for b in range(N):
        row = out[b]
        row[:] = 0.0
        for f in range(count):
            base = f * hop - start
            lo = max(0, -base)
            hi = min(n_fft, length - base)
            if hi <= lo:
                continue
            target, frame, w = row[base + lo : base + hi], frames[b, f, lo:hi], window[lo:hi]
            for k in range(hi - lo):
                target[k] += frame[k] * w[k]
        row /= envelope[start : start + length]
    return out
