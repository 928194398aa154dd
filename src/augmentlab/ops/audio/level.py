"""Level and shape: gain, polarity inversion, clipping distortion, fades."""

from __future__ import annotations

import torch

from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.audio.signal import per_clip
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register


@register
class Gain(AudioOp):
    """Louder or quieter by a gain in decibels (clipped at full scale)."""

    name = "gain"
    family = "level"
    magnitude = Magnitude("gain", 12.0, "dB", signed=True)
    controls = "gain: up to ±12·m dB"

    def sample_params(self, g, batch, shape):
        return {"db": self.signed(g, batch, 12.0)}

    def wave(self, x, params):
        return x * per_clip(torch.pow(10.0, params["db"] / 20.0), x)


@register
class Polarity(AudioOp):
    """The waveform upside down (sounds the same; changes what a model sees)."""

    name = "polarity"
    family = "level"
    magnitude = None
    identity_at_zero = False  # m sets nothing: the flip happens at any m
    controls = "nothing (a flip)"

    def sample_params(self, g, batch, shape):
        return {}

    def wave(self, x, params):
        return -x


@register
class Clipping(AudioOp):
    """Clipping distortion: the loudest share of each clip's samples cut to the level below
    them (as audiomentations' ClippingDistortion, up to 40 % of the samples)."""

    name = "clipping"
    family = "level"
    magnitude = Magnitude("share of samples clipped", 0.4, "of the samples")
    controls = "share of samples clipped: up to 0.4·m"

    def sample_params(self, g, batch, shape):
        return {"share": self.unsigned(g, batch, 0.4)}

    def wave(self, x, params):
        B = x.shape[0]
        level = x.abs().reshape(B, -1).float()
        ordered = level.sort(dim=1).values
        n = ordered.shape[1]
        k = ((1.0 - params["share"].to(x.device).double()) * (n - 1)).round().long().clamp(0, n - 1)
        threshold = ordered.gather(1, k.view(-1, 1)).view(-1, 1, 1)
        return torch.maximum(torch.minimum(x, threshold), -threshold)


@register
class Fade(AudioOp):
    """Linear fade-in and fade-out, each up to half of the clip."""

    name = "fade"
    family = "level"
    magnitude = Magnitude("fade length", 0.5, "of the clip")
    controls = "fade-in and fade-out length: each up to 0.5·m of the clip"

    def sample_params(self, g, batch, shape):
        return {"fade_in": self.unsigned(g, batch, 0.5), "fade_out": self.unsigned(g, batch, 0.5)}

    def wave(self, x, params):
        T = x.shape[-1]
        t = torch.arange(T, device=x.device, dtype=torch.float32).view(1, 1, T)
        n_in = per_clip(params["fade_in"], x) * T
        n_out = per_clip(params["fade_out"], x) * T
        rise = torch.where(n_in > 0, (t + 1) / n_in.clamp_min(1), torch.ones_like(t)).clamp(max=1.0)
        fall = torch.where(n_out > 0, (T - t) / n_out.clamp_min(1), torch.ones_like(t)).clamp(max=1.0)
        return x * rise * fall
