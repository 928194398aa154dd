"""Additive noise at a signal-to-noise ratio: white (Gaussian), coloured (pink, brown) and
recorded background noise from a folder of clips.

``m`` sets the noise RMS as a share of each clip's own RMS, so the SNR is
-20·log10(share): up to 0.5·m is an SNR down to 6 dB at m = 1, 12 dB at m = 0.5. Each
sample's noise comes from its own recorded seed, drawn on CPU, so replays and devices agree.
"""

from __future__ import annotations

import functools
from abc import abstractmethod
from pathlib import Path

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.audio import current_rate
from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.audio.signal import EPS, per_clip, rms
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from

NOISE_SHARE = 0.5  # the noise RMS at m = 1, as a share of the clip's RMS (SNR 6 dB)
COLOURS = {"pink": 1.0, "brown": 2.0}  # the power spectrum falls as 1 / f^beta


def white(seeds: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Standard normal noise of ``shape`` for every seed, from a CPU generator of its own
    (torch's: half the time of NumPy's ``default_rng`` on a clip of 16,000 samples)."""
    out = torch.empty(len(seeds), *shape)
    g = torch.Generator()
    for i, seed in enumerate(seeds.tolist()):
        g.manual_seed(seed)
        torch.randn(shape, generator=g, out=out[i])
    return out


def unit_rms(noise: torch.Tensor) -> torch.Tensor:
    return noise / rms(noise).clamp_min(EPS)


class NoiseOp(AudioOp):
    family = "noise"
    magnitude = Magnitude("noise RMS", NOISE_SHARE, "of the clip's RMS (SNR = -20·log10 of it)")
    controls = "noise RMS: up to 0.5·m of the clip's RMS (SNR down to 6 dB at m = 1)"

    def sample_params(self, g, batch, shape):
        return {"share": self.unsigned(g, batch, NOISE_SHARE), "seed": seeds_from(g, batch)}

    def wave(self, x, params):
        noise = unit_rms(self.noise(x, params).to(x.device))
        return x + noise * per_clip(params["share"], x) * rms(x)

    @abstractmethod
    def noise(self, x, params) -> torch.Tensor:
        """Noise shaped like ``x`` (any scale: it is brought to unit RMS)."""


@register
class WhiteNoise(NoiseOp):
    """Gaussian (white) noise at an SNR."""

    name = "noise"

    def noise(self, x, params):
        return white(params["seed"], tuple(x.shape[1:]))


@register
class ColouredNoise(NoiseOp):
    """Pink (1/f) or brown (1/f²) noise at an SNR: white noise shaped in the frequency domain."""

    name = "colored_noise"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", color: str = "pink"):
        super().__init__(m, p, mode)
        if color not in COLOURS:
            raise AugmentlabError(f"colored_noise: color={color!r} is unknown; expected one of {', '.join(COLOURS)}")
        self.color = color

    def noise(self, x, params):
        base = white(params["seed"], tuple(x.shape[1:])).to(x.device)
        T = x.shape[-1]
        freqs = torch.fft.rfftfreq(T, device=x.device)
        shape = torch.where(freqs > 0, freqs.clamp_min(1.0 / T).pow(-COLOURS[self.color] / 2), torch.zeros_like(freqs))
        return torch.fft.irfft(torch.fft.rfft(base, dim=-1) * shape, n=T, dim=-1)


@functools.lru_cache(maxsize=4)
def _noise_bank(folder: str, rate: int) -> tuple[torch.Tensor, ...]:
    """Every clip under ``folder`` as mono float32 at ``rate``, scaled to unit RMS."""
    from augmentlab.data.audio import AUDIO_SUFFIXES, read_clip, resample

    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise AugmentlabError(f"background_noise: {folder} holds no .wav or .flac files")
    bank = []
    for p in files:
        clip, clip_rate, _ = read_clip(p)
        mono = torch.from_numpy(resample(clip, clip_rate, rate).mean(axis=1))
        if float(mono.pow(2).mean()) > 0:
            bank.append(mono / mono.pow(2).mean().sqrt())
    if not bank:
        raise AugmentlabError(f"background_noise: every clip in {folder} is silent")
    return tuple(bank)


@register
class BackgroundNoise(NoiseOp):
    """Recorded noise (a room, a street, babble) mixed in at an SNR: a clip drawn from
    ``folder`` (any layout; resampled to the data's rate), from a random offset, looped
    when shorter than the clip."""

    name = "background_noise"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", folder: str = ""):
        super().__init__(m, p, mode)
        if not folder or not Path(folder).is_dir():
            raise AugmentlabError(f"background_noise: folder={folder!r} is not a folder; give folder=PATH with .wav/.flac noise clips")
        self.folder = str(folder)

    def sample_params(self, g, batch, shape):
        n = len(_noise_bank(self.folder, current_rate()))
        return {"share": self.unsigned(g, batch, NOISE_SHARE), "clip": torch.randint(0, n, (batch,), generator=g),
                "offset": torch.rand(batch, generator=g, dtype=torch.float64)}

    def noise(self, x, params):
        bank = _noise_bank(self.folder, current_rate())
        T = x.shape[-1]
        out = []
        for clip, offset in zip(params["clip"].tolist(), params["offset"].tolist()):
            source = bank[clip % len(bank)]
            start = int(offset * len(source))
            idx = (torch.arange(T) + start) % len(source)
            out.append(source[idx])
        return torch.stack(out).unsqueeze(1).expand(-1, x.shape[1], -1)
