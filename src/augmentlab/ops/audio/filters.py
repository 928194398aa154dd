"""Low-, high- and band-pass filters: zero-phase Butterworth responses (order 4) applied in
the frequency domain, each clip with its own cutoff. Cutoffs are fractions of the Nyquist
frequency, so an op means the same at 8 kHz and at 48 kHz: ``m`` sets the share of the
band a filter removes."""

from __future__ import annotations

import torch

from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.audio.signal import butterworth, fft_filter
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register

ORDER = 4
LOWPASS_MAX = 0.75  # a low-pass removes up to the top three quarters of the band at m = 1
HIGHPASS_MAX = 0.25  # a high-pass removes up to the bottom quarter (1 kHz at 8 kHz sampling)


def keep_below(freqs, cut):
    """A low-pass response at ``cut`` (B,); a cutoff at the Nyquist frequency keeps all."""
    return torch.where(cut.view(-1, 1) >= 1.0, torch.ones(1, device=freqs.device), butterworth(freqs, cut, ORDER, high=False))


def keep_above(freqs, cut):
    """A high-pass response at ``cut`` (B,); a cutoff at 0 Hz keeps all."""
    return torch.where(cut.view(-1, 1) <= 0.0, torch.ones(1, device=freqs.device), butterworth(freqs, cut, ORDER, high=True))


class FilterOp(AudioOp):
    family = "filter"

    def wave(self, x, params):
        freqs = torch.linspace(0.0, 1.0, x.shape[-1] // 2 + 1, device=x.device)
        return fft_filter(x, self.response(freqs, {k: v.to(x.device).float() for k, v in params.items()}))


@register
class LowPass(FilterOp):
    name = "lowpass"
    magnitude = Magnitude("share of the band removed from the top", LOWPASS_MAX, "of the Nyquist frequency")
    controls = "cutoff: down to (1 - 0.75·m) of the Nyquist frequency"

    def sample_params(self, g, batch, shape):
        return {"removed": self.unsigned(g, batch, LOWPASS_MAX)}

    def response(self, freqs, p):
        return keep_below(freqs, 1.0 - p["removed"])


@register
class HighPass(FilterOp):
    name = "highpass"
    magnitude = Magnitude("share of the band removed from the bottom", HIGHPASS_MAX, "of the Nyquist frequency")
    controls = "cutoff: up to 0.25·m of the Nyquist frequency"

    def sample_params(self, g, batch, shape):
        return {"removed": self.unsigned(g, batch, HIGHPASS_MAX)}

    def response(self, freqs, p):
        return keep_above(freqs, p["removed"])


@register
class BandPass(FilterOp):
    """A band kept, the rest removed on both sides; where the band sits is drawn per clip."""

    name = "bandpass"
    magnitude = Magnitude("share of the band removed", LOWPASS_MAX, "of the Nyquist frequency")
    controls = "removes up to 0.75·m of the band, split at random between the bottom and the top"

    def sample_params(self, g, batch, shape):
        return {"removed": self.unsigned(g, batch, LOWPASS_MAX), "split": torch.rand(batch, generator=g, dtype=torch.float64)}

    def response(self, freqs, p):
        low, high = p["removed"] * p["split"], 1.0 - p["removed"] * (1.0 - p["split"])
        return keep_above(freqs, low) * keep_below(freqs, high)
