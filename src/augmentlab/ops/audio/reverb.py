"""Reverberation: every clip convolved (FFT) with a synthetic room impulse response, a
direct path followed by an exponentially decaying noise tail whose reverberation time
RT60 (the time to fall by 60 dB) is drawn per clip."""

from __future__ import annotations

import math

import numpy as np
import torch

from augmentlab.modality.audio import current_rate
from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.audio.signal import EPS, fft_convolve, rms
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.rng import seeds_from

RT60_MAX = 0.8  # seconds at m = 1: a large room


def room_response(rt60: torch.Tensor, seeds: torch.Tensor, rate: int, length: int) -> torch.Tensor:
    """(B, length) impulse responses: 1 at t = 0, then noise decaying by 60 dB over RT60,
    scaled so the tail carries as much energy as the direct path (0 dB direct-to-reverberant)."""
    t = torch.arange(1, length, dtype=torch.float64) / rate
    out = torch.zeros(len(rt60), length, dtype=torch.float64)
    out[:, 0] = 1.0
    for i, (decay, seed) in enumerate(zip(rt60.tolist(), seeds.tolist())):
        if decay <= 0:
            continue
        n = min(length - 1, int(math.ceil(decay * rate)))  # the tail ends at -60 dB, so no clip depends on its batch
        tail = torch.from_numpy(np.random.default_rng(int(seed)).standard_normal(n)) * torch.exp(-math.log(1000.0) * t[:n] / decay)
        out[i, 1 : n + 1] = tail / tail.pow(2).sum().sqrt().clamp_min(EPS)
    return out.float()


@register
class Reverb(AudioOp):
    name = "reverb"
    family = "room"
    magnitude = Magnitude("reverberation time RT60", RT60_MAX, "s")
    controls = "RT60: up to 0.8·m s; the result keeps the clip's RMS"

    def sample_params(self, g, batch, shape):
        rate = current_rate()
        rt60 = self.unsigned(g, batch, RT60_MAX)
        # the rate is recorded, so a replay rebuilds the same responses anywhere
        return {"rt60": rt60, "seed": seeds_from(g, batch), "rate": torch.full((batch,), rate, dtype=torch.int64)}

    def wave(self, x, params):
        rate = int(params["rate"][0]) if len(params["rate"]) else current_rate()
        longest = float(params["rt60"].max()) if len(params["rt60"]) else 0.0
        length = max(1, min(x.shape[-1], int(math.ceil(longest * rate)) + 1))
        kernels = room_response(params["rt60"], params["seed"], rate, length).to(x.device)
        wet = fft_convolve(x, kernels)
        return wet * (rms(x) / rms(wet).clamp_min(EPS))
