"""Audio presets: RandAugment and TrivialAugment over the waveform ops, and SpecAugment's
LB and LD policies (Park et al. 2019) on log-mel features.

The waveform maxima follow what practitioners use (audiomentations' defaults: gain ±12 dB,
SNR down to 5 dB, shift up to half the clip, tempo 0.8-1.25x, pitch ±4 semitones; Ko et al.
2015's 0.9-1.1x speed), written as each op's ``m`` through its declared range.
"""

from __future__ import annotations

import math

from augmentlab.ops.registry import create_op
from augmentlab.policy.compose import Sequential
from augmentlab.policy.presets import Preset, RandSet, no_magnitude, register_rand_set

# op -> its m at RandAugment's full strength (m = 1 of the preset)
AUDIO_FULL = {
    "identity": 0.0,
    "gain": 1.0,  # ±12 dB
    "noise": 1.0,  # SNR down to 6 dB
    "shift": 1.0,  # half the clip
    "time_stretch": math.log2(1.25) / 0.5,  # 0.8x to 1.25x
    "pitch_shift": 1.0,  # ±4 semitones
    "speed": math.log2(1.1) / 0.25,  # 0.9x to 1.1x
    "lowpass": 1.0,  # down to a quarter of the band
    "highpass": 1.0,  # up to a quarter of the band
    "reverb": 1.0,  # RT60 up to 0.8 s
    "fade": 1.0,
    "polarity": 0.0,
}


def audio_m(name: str, fraction: float) -> float:
    return AUDIO_FULL.get(name, 0.0) * fraction


register_rand_set("audio", RandSet(tuple(AUDIO_FULL), audio_m, dict(AUDIO_FULL)))


class SpecAugment(Preset, Sequential):
    """SpecAugment's hand-tuned policies: LB (W=80, F=27, T=100, one mask each) and LD (two
    frequency and two time masks). A feature-stage policy: it runs inside training."""

    kind = "specaugment"
    POLICIES = {"lb": 1, "ld": 2}  # masks of each kind

    def __init__(self, variant: str = "lb"):
        masks = self.POLICIES[variant]
        super().__init__([create_op("time_warp", "audio", m=1.0), create_op("freq_mask", "audio", m=1.0, masks=masks),
                          create_op("time_mask", "audio", m=1.0, masks=masks)])
        self.variant = variant

    def config(self):
        return {"variant": self.variant}

    def to_spec(self, inside_sequence: bool = False) -> str:
        return f"specaugment-{self.variant}"

    def with_magnitude(self, m: float):
        raise no_magnitude(self)


