"""What each audio op promises, in its declared units."""

import math

import numpy as np
import pytest
import torch

from augmentlab.modality.audio import at_rate
from augmentlab.ops import REGISTRY, create_op
from augmentlab.rng import torch_generator
from tests.contract_ops import FIXTURES

RATE = 16000
WAVE_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "audio" and c.stage == "input")


def _tone(freq=440.0, amp=0.5, T=16000):
    t = torch.arange(T) / RATE
    return (amp * torch.sin(2 * math.pi * freq * t)).view(1, 1, T)


def _rms(x):
    return float(x.pow(2).mean().sqrt())


@pytest.mark.parametrize("name", WAVE_OPS)
def test_waveform_ops_stay_in_range_and_finite(name):
    x = FIXTURES["audio"].batch(0) * 1.9  # some samples at full scale and beyond before clamping
    x = x.clamp(-1, 1)
    op = create_op(name, m=1.0, **FIXTURES["audio"].args.get(name, {}))
    y = op(x, torch_generator(0))
    assert y.shape == x.shape and y.dtype == x.dtype and torch.isfinite(y).all() and y.abs().max() <= 1.0


def test_gain_is_in_decibels():
    y = REGISTRY["gain"]().kernel(_tone(amp=0.1), {"db": torch.tensor([6.0], dtype=torch.float64)})
    assert _rms(y) / _rms(_tone(amp=0.1)) == pytest.approx(10 ** (6 / 20), rel=1e-5)


def test_noise_is_at_the_drawn_snr():
    x = _tone()
    for name in ("noise", "colored_noise"):
        op = create_op(name, m=1.0, mode="fixed")
        params = op.sample(torch_generator(1), 1, (1, 16000))
        y = op.apply(x, params)
        snr = 20 * math.log10(_rms(x) / _rms(y - x))
        assert snr == pytest.approx(-20 * math.log10(0.5), abs=0.3)  # m = 1: noise at half the RMS, 6 dB


def test_pink_noise_has_more_low_than_high_energy():
    op = create_op("colored_noise", m=1.0, mode="fixed", color="brown")
    x = _tone(amp=0.5) * 0 + 0.1  # a constant clip: only the noise has a spectrum beyond DC
    y = op(x, torch_generator(0)) - x
    spectrum = torch.fft.rfft(y.view(-1)).abs()
    assert spectrum[10:200].mean() > 10 * spectrum[4000:8000].mean()


def test_polarity_and_shift():
    x = _tone()
    assert torch.equal(create_op("polarity")(x, torch_generator(0)), -x)
    y = REGISTRY["shift"]().kernel(x, {"shift": torch.tensor([0.25], dtype=torch.float64)})
    assert torch.equal(y[..., 4000:], x[..., :12000]) and y[..., :4000].abs().max() == 0
    rolled = REGISTRY["shift"](fill="roll").kernel(x, {"shift": torch.tensor([-0.25], dtype=torch.float64)})
    assert torch.equal(rolled[..., :12000], x[..., 4000:]) and torch.equal(rolled[..., 12000:], x[..., :4000])


@pytest.mark.parametrize("name,params,passes,stops", [
    ("lowpass", {"removed": 0.75}, 300.0, 6000.0),
    ("highpass", {"removed": 0.25}, 6000.0, 300.0),
    ("bandpass", {"removed": 0.75, "split": 0.2}, 2000.0, 7500.0),
])
def test_filters_keep_the_band_and_remove_the_rest(name, params, passes, stops):
    op = REGISTRY[name]()
    p = {k: torch.tensor([v], dtype=torch.float64) for k, v in params.items()}
    assert _rms(op.kernel(_tone(passes, 0.3), p)) > 0.9 * _rms(_tone(passes, 0.3))
    assert _rms(op.kernel(_tone(stops, 0.3), p)) < 0.05 * _rms(_tone(stops, 0.3))


def test_reverb_keeps_the_rms_and_adds_a_tail():
    x = torch.zeros(1, 1, 16000)
    x[..., 1000:1400] = _tone()[..., :400]
    with at_rate(RATE):
        op = create_op("reverb", m=1.0, mode="fixed")
        y = op(x, torch_generator(0))
    assert _rms(y) == pytest.approx(_rms(x), rel=1e-3)
    assert y[..., 3000:6000].abs().max() > 1e-3  # the room still rings after the sound stopped


def test_clipping_cuts_the_drawn_share_of_samples():
    x = _tone()
    y = REGISTRY["clipping"]().kernel(x, {"share": torch.tensor([0.3], dtype=torch.float64)})
    at_limit = (y.abs() >= y.abs().max() - 1e-7).float().mean()
    assert float(at_limit) == pytest.approx(0.3, abs=0.01)


def test_fade_starts_and_ends_silent():
    y = REGISTRY["fade"]().kernel(torch.ones(1, 1, 1000) * 0.5, {"fade_in": torch.tensor([0.2], dtype=torch.float64),
                                                                   "fade_out": torch.tensor([0.1], dtype=torch.float64)})
    assert float(y[0, 0, 0]) < 0.01 and float(y[0, 0, -1]) < 0.01 and float(y[0, 0, 500]) == 0.5


def test_pitch_shift_lands_within_one_bin_at_8_khz():
    x = torch.tensor(0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000), dtype=torch.float32).view(1, 1, -1)
    with at_rate(8000):
        for k in (-1.0, -0.5, 0.5, 1.0):
            y = REGISTRY["pitch_shift"]().kernel(x, {"semitones": torch.tensor([k], dtype=torch.float64)})
            part = y.numpy().ravel()[1000:7000]
            peak = np.argmax(np.abs(np.fft.rfft(part * np.hanning(6000)))) * 8000 / 6000
            assert abs(peak - 440 * 2 ** (k / 12)) <= 8000 / 6000


def test_spec_masks_have_the_declared_widths():
    feats = torch.randn(1, 1, 40, 101)
    op = create_op("freq_mask", m=1.0, masks=2)
    for seed in range(20):
        params = op.sample(torch_generator(seed), 1, (1, 40, 101))
        assert int(params["width"].max()) <= int(27 / 80 * 40)
    y = create_op("time_mask", m=0.2, mode="fixed")(feats, torch_generator(0))
    hidden = (y == feats.mean()).all(dim=2).sum()
    assert int(hidden) <= 21  # 0.2 s at 100 frames a second


def test_time_warp_moves_frames_but_keeps_the_ends():
    feats = torch.arange(101.0).view(1, 1, 1, 101).expand(1, 1, 40, 101).contiguous()
    op = REGISTRY["time_warp"]()
    y = op.kernel(feats, {"centre": torch.tensor([50.0], dtype=torch.float64), "move": torch.tensor([10.0], dtype=torch.float64)})
    assert float(y[0, 0, 0, 0]) == 0 and float(y[0, 0, 0, -1]) == 100
    assert float(y[0, 0, 0, 60]) == pytest.approx(50.0, abs=1e-3)  # the centre landed 10 frames later
