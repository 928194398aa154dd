"""Tempo and pitch: time stretch without pitch change (librosa's phase vocoder), pitch shift
without tempo change (stretched by the phase vocoder, then resampled, as librosa does it),
and speed perturbation (resampling: tempo and pitch together, as Ko et al. 2015). Batched,
each clip with its own factor."""

from __future__ import annotations

import torch

from augmentlab.modality.audio import current_rate
from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.audio.signal import frame_sizes, phase_vocoder, pitch_vocoder, resample_by
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register


@register
class TimeStretch(AudioOp):
    """Faster or slower at the same pitch; the clip keeps its length (cut, or silence after it)."""

    name = "time_stretch"
    family = "tempo"
    magnitude = Magnitude("tempo factor", 0.5, "octaves", signed=True, scale="exp2")
    controls = "tempo factor: 2^(±0.5·m), 0.71x to 1.41x at m = 1"
    still = "octaves"

    def sample_params(self, g, batch, shape):
        return {"octaves": self.signed(g, batch, 0.5)}

    def wave(self, x, params):
        n_fft, hop = frame_sizes(current_rate())
        return phase_vocoder(x, torch.pow(2.0, params["octaves"]), n_fft, hop, x.shape[-1])


@register
class PitchShift(AudioOp):
    """Higher or lower by up to 4·m semitones at the same tempo."""

    name = "pitch_shift"
    family = "tempo"
    magnitude = Magnitude("pitch shift", 4.0, "semitones", signed=True)
    controls = "pitch shift: up to ±4·m semitones"
    still = "semitones"

    def sample_params(self, g, batch, shape):
        return {"semitones": self.signed(g, batch, 4.0)}

    def wave(self, x, params):
        n_fft, hop = frame_sizes(current_rate())
        return pitch_vocoder(x, torch.pow(2.0, params["semitones"] / 12.0), n_fft, hop)


@register
class Speed(AudioOp):
    """Speed perturbation: played faster or slower, tempo and pitch together."""

    name = "speed"
    family = "tempo"
    magnitude = Magnitude("speed factor", 0.25, "octaves", signed=True, scale="exp2")
    controls = "speed factor: 2^(±0.25·m), 0.84x to 1.19x at m = 1 (Ko et al. used 0.9x and 1.1x)"
    still = "octaves"

    def sample_params(self, g, batch, shape):
        return {"octaves": self.signed(g, batch, 0.25)}

    def wave(self, x, params):
        return resample_by(x, torch.pow(2.0, params["octaves"]))
