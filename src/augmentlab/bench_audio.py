"""Throughput of an audio pipeline (gain, noise at an SNR, time shift, pitch shift, time
stretch; each with p = 0.5) on batches of one-second clips at 16 kHz, one CPU thread, side
by side with audiomentations running the same pipeline clip by clip with its defaults, and
a memory copy of the same bytes."""

from __future__ import annotations

import math

import numpy as np
import torch

from augmentlab.modality.audio import at_rate
from augmentlab.ops.registry import create_op
from augmentlab.policy import Sequential

RATE, CLIP = 16_000, 16_000  # one second at 16 kHz
POOL, BATCH = 512, 64  # a 32 MB pool of clips, batches of 64


def audio_policy():
    """The audiomentations defaults in our units: ±12 dB, SNR down to 6 dB, shift up to half
    the clip, ±4 semitones, tempo 0.8x to 1.25x."""
    return Sequential([create_op("gain", m=1.0, p=0.5), create_op("noise", m=1.0, p=0.5), create_op("shift", m=1.0, p=0.5, fill="roll"),
                       create_op("pitch_shift", m=1.0, p=0.5), create_op("time_stretch", m=round(math.log2(1.25) / 0.5, 6), p=0.5)])


def _audiomentations():
    try:
        import audiomentations as A
    except ImportError:
        return None
    return A.Compose([A.Gain(min_gain_db=-12.0, max_gain_db=12.0, p=0.5), A.AddGaussianSNR(min_snr_db=6.0, max_snr_db=40.0, p=0.5),
                      A.Shift(min_shift=-0.5, max_shift=0.5, p=0.5), A.PitchShift(p=0.5), A.TimeStretch(p=0.5)])


def audio_steps(libraries) -> tuple[dict, int]:
    """``({library: step(i) -> clips done}, batches in the pool)``."""
    rng = np.random.default_rng(2)
    t = np.arange(CLIP) / RATE
    freqs = rng.uniform(100, 2000, (POOL, 1, 1))
    pool_np = (0.3 * np.sin(2 * np.pi * freqs * t) + rng.normal(0, 0.02, (POOL, 1, CLIP))).astype(np.float32)
    pool = torch.from_numpy(pool_np)
    batch = lambda i: pool[i * BATCH : (i + 1) * BATCH]  # noqa: E731
    steps = {}
    for lib in libraries:
        if lib == "augmentlab":
            policy, g = audio_policy(), torch.Generator().manual_seed(0)

            def step(i, policy=policy, g=g):
                with at_rate(RATE):
                    return len(policy(batch(i), g))

            steps[lib] = step
        elif lib == "memcpy":
            steps[lib] = lambda i: len(batch(i).clone())
        elif lib == "audiomentations" and (aug := _audiomentations()) is not None:
            def step(i, aug=aug):
                for clip in pool_np[i * BATCH : (i + 1) * BATCH, 0]:
                    aug(samples=clip, sample_rate=RATE)
                return BATCH

            steps[lib] = step
    return steps, POOL // BATCH
