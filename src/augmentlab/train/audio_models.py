"""The default audio model: log-mel features computed in torch, batched, on the run's
device, then a small CNN over the (mel band, frame) image.

The model exposes its two halves, ``front`` (waveforms to features) and ``body``
(features to logits), so a trainer can apply SpecAugment between them.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from augmentlab.modality.audio import FRAME_SECONDS, MEL_BANDS, WINDOW_SECONDS, current_rate
from augmentlab.train.models import SmallCNN


def hz_to_mel(f):
    return 2595.0 * torch.log10(1.0 + f / 700.0)  # HTK


def mel_filterbank(rate: int, n_fft: int, bands: int) -> torch.Tensor:
    """(bands, n_fft // 2 + 1) triangular filters evenly spaced on the HTK mel scale from
    0 Hz to the Nyquist frequency, each normalised to unit area (Slaney style)."""
    freqs = torch.linspace(0.0, rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    edges_mel = torch.linspace(0.0, float(hz_to_mel(torch.tensor(rate / 2.0))), bands + 2, dtype=torch.float64)
    edges = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rise = (freqs - lower) / (centre - lower)
    fall = (upper - freqs) / (upper - centre)
    weights = torch.clamp(torch.minimum(rise, fall), min=0.0)
    weights = weights * (2.0 / (upper - lower))
    return weights.float()


class LogMel(nn.Module):
    """Waveforms (B, C, T) to log-mel features (B, C, bands, frames): 25 ms Hann windows
    every 10 ms, power spectrum, mel filterbank, log with a floor."""

    def __init__(self, rate: int, bands: int = MEL_BANDS):
        super().__init__()
        self.win = round(WINDOW_SECONDS * rate)
        self.hop = round(FRAME_SECONDS * rate)
        self.n_fft = 1 << math.ceil(math.log2(self.win))
        self.register_buffer("window", torch.hann_window(self.win), persistent=False)
        self.register_buffer("fbank", mel_filterbank(rate, self.n_fft, bands), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, T = x.shape
        spec = torch.stft(x.reshape(B * C, T).float(), self.n_fft, self.hop, self.win, self.window, center=True,
                          return_complex=True)
        power = spec.real.pow(2) + spec.imag.pow(2)
        mel = torch.matmul(self.fbank, power)
        feats = torch.log(mel + 1e-6)
        return feats.view(B, C, *feats.shape[-2:])


class LogMelCNN(nn.Module):
    """Log-mel features, normalised over the batch (BatchNorm), averaged over 2x2 cells (20
    bands every 20 ms: what a digit or a keyword needs, at a quarter of the cost), into the
    three conv blocks of the small image CNN and a linear head. One training step on 64
    one-second clips takes about as long as one on 64 MNIST digits."""

    def __init__(self, channels: int, num_classes: int, rate: int | None = None, width: int = 16):
        super().__init__()
        self.front = LogMel(rate or current_rate())
        self.norm = nn.Sequential(nn.BatchNorm2d(channels), nn.AvgPool2d(2))
        self.cnn = SmallCNN(channels, num_classes, width=width, pool_first=False)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Waveforms go in as they are (the image models rescale to [-1, 1] instead)."""
        return x.float()

    def body(self, feats: torch.Tensor) -> torch.Tensor:
        return self.cnn(self.norm(feats))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.front(x))
