"""The DSP under the tempo ops, against closed forms and librosa."""

import numpy as np
import pytest
import torch

from augmentlab.ops.audio.signal import frame_sizes, phase_vocoder, resample_by

RATE = 8000


def _tone(freq: float, seconds: float = 1.0, rate: int = RATE) -> torch.Tensor:
    t = np.arange(int(seconds * rate)) / rate
    return torch.tensor(0.5 * np.sin(2 * np.pi * freq * t), dtype=torch.float32).view(1, 1, -1)


def _peak_hz(y: torch.Tensor, start: int, stop: int, rate: int = RATE) -> float:
    part = y.numpy().ravel()[start:stop]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    return float(np.argmax(spectrum) * rate / len(part))


def test_phase_vocoder_matches_librosa():
    librosa = pytest.importorskip("librosa")
    x = _tone(440.0)
    n_fft, hop = frame_sizes(RATE)
    ref = librosa.effects.time_stretch(x.numpy().ravel(), rate=1.25, n_fft=n_fft, hop_length=hop)
    mine = phase_vocoder(x, torch.tensor([1.25]), n_fft, hop, x.shape[-1]).numpy().ravel()
    n = len(ref)
    assert np.corrcoef(mine[200 : n - 200], ref[200 : n - 200])[0, 1] > 0.9999


def test_stretching_keeps_the_peak_and_changes_the_length():
    x = _tone(440.0, seconds=0.5)
    x = torch.nn.functional.pad(x, (0, 4000))  # half a second of tone, then silence
    n_fft, hop = frame_sizes(RATE)
    for rate, ends_near in ((1.25, 3200), (0.8, 5000)):
        y = phase_vocoder(x, torch.tensor([rate]), n_fft, hop, x.shape[-1])
        loud = np.flatnonzero(np.abs(y.numpy().ravel()) > 0.05)
        assert abs(loud[-1] - ends_near) < 2 * n_fft
        assert abs(_peak_hz(y, 500, 2500) - 440.0) <= RATE / 2000


def test_resampling_moves_a_tone_by_the_ratio():
    x = _tone(500.0)
    y = resample_by(x, torch.tensor([1.5]))
    assert abs(_peak_hz(y, 0, 5000) - 750.0) <= RATE / 5000
    assert y[..., 5400:].abs().max() == 0  # the clip has ended: silence, not an invented tail


def test_speeding_up_filters_what_would_alias():
    x = _tone(3800.0)  # near Nyquist: read twice as fast it would fold back to 400 Hz
    y = resample_by(x, torch.tensor([2.0]))
    assert y[..., :3500].abs().max() < 0.02


def test_the_torch_path_cuda_runs_agrees_with_the_cpu_kernels():
    from augmentlab.ops.audio.signal import istft, pitch_vocoder, stft
    from augmentlab.ops.kernels.backend import torch_kernels

    x = (torch.randn(4, 2, 6000, generator=torch.Generator().manual_seed(0)) * 0.2).clamp(-1, 1)
    rate = torch.tensor([0.8, 1.0, 1.25, 1.41])
    n_fft, hop = frame_sizes(RATE)
    native = [phase_vocoder(x, rate, n_fft, hop, 6000), pitch_vocoder(x, rate, n_fft, hop), resample_by(x, rate),
              istft(stft(x, n_fft, hop), n_fft, hop, 6000)]
    with torch_kernels():
        portable = [phase_vocoder(x, rate, n_fft, hop, 6000), pitch_vocoder(x, rate, n_fft, hop), resample_by(x, rate),
                    istft(stft(x, n_fft, hop), n_fft, hop, 6000)]
    for a, b in zip(native, portable):
        assert a.shape == b.shape and float((a - b).abs().max()) < 1e-3
