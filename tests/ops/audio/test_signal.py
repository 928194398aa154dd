"""The DSP under the tempo ops, against closed forms and librosa."""

import numpy as np
import pytest
import torch

from augmentlab.ops.audio.signal import frame_sizes, phase_vocoder, pitch_vocoder, resample_by

RATE = 8000


def _tone(freq: float, seconds: float = 1.0, rate: int = RATE) -> torch.Tensor:
    t = np.arange(int(seconds * rate)) / rate
    return torch.tensor(0.5 * np.sin(2 * np.pi * freq * t), dtype=torch.float32).view(1, 1, -1)


def _peak_hz(y: torch.Tensor, start: int, stop: int, rate: int = RATE) -> float:
    part = y.numpy().ravel()[start:stop]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    return float(np.argmax(spectrum) * rate / len(part))


def _chord() -> np.ndarray:
    t = np.arange(RATE) / RATE
    return (0.3 * np.sin(2 * np.pi * 300 * t) + 0.2 * np.sin(2 * np.pi * 750 * t + 1) + 0.1 * np.sin(2 * np.pi * 1200 * t)).astype(np.float32)


def _librosa_stretch(librosa, x: np.ndarray, rate: float, n_fft: int, hop: int, length: int) -> np.ndarray:
    """librosa's phase vocoder on an STFT padded as torch.stft pads (reflect; librosa's
    default pads zeros, which starts the accumulated phases elsewhere)."""
    spec = librosa.stft(x, n_fft=n_fft, hop_length=hop, pad_mode="reflect")
    return librosa.istft(librosa.phase_vocoder(spec, rate=rate, hop_length=hop, n_fft=n_fft), hop_length=hop, n_fft=n_fft, length=length)


@pytest.mark.parametrize("rate", [0.8, 0.9, 1.25])
def test_phase_vocoder_matches_librosa(rate):
    librosa = pytest.importorskip("librosa")
    x = _chord()
    n_fft, hop = frame_sizes(RATE)
    length = int(round(len(x) / rate))
    ref = _librosa_stretch(librosa, x, rate, n_fft, hop, length)
    mine = phase_vocoder(torch.from_numpy(x).view(1, 1, -1), torch.tensor([rate]), n_fft, hop, length).numpy().ravel()
    assert np.abs(mine - ref)[200:-200].max() < 2e-3  # float32 here, float64 there


@pytest.mark.parametrize("semitones", [-3, -1, 1, 4])
def test_pitch_shift_matches_librosa(semitones):
    """librosa's pitch_shift: stretch by the factor, then resample (soxr there, cubic here)."""
    librosa = pytest.importorskip("librosa")
    x = _chord()
    n_fft, hop = frame_sizes(RATE)
    factor = 2 ** (semitones / 12)
    stretched = _librosa_stretch(librosa, x, 1 / factor, n_fft, hop, int(round(len(x) * factor)))
    ref = librosa.util.fix_length(librosa.resample(stretched, orig_sr=RATE * factor, target_sr=RATE, res_type="soxr_hq"), size=len(x))
    mine = pitch_vocoder(torch.from_numpy(x).view(1, 1, -1), torch.tensor([factor]), n_fft, hop).numpy().ravel()
    assert np.abs(mine - ref)[200:-200].max() < 5e-3


def test_shifting_up_does_not_fold_back_what_passes_nyquist():
    x = _tone(3700.0)  # four semitones up it would be 4660 Hz: folded back to 3340 Hz
    y = pitch_vocoder(x, torch.tensor([2 ** (4 / 12)]), *frame_sizes(RATE))
    assert y[..., 500:7500].abs().max() < 0.02


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
    from augmentlab.ops.audio.signal import istft, stft
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
