"""Audio: ``(N, C, T)`` float32 waveforms in [-1, 1] at one sample rate.

Ops that speak in seconds or hertz (filters, reverberation, SpecAugment's masks) need the
rate, which a waveform tensor does not carry. Whoever applies a policy to audio does so
inside ``ds.kind.context(ds.layout)``, which sets the rate for the ops to read
(``current_rate``); parameters are drawn in samples, so a replay needs no rate at all.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality

if TYPE_CHECKING:
    from augmentlab.data.read_options import ReadOptions

DEFAULT_RATE = 16_000
# The log-mel features the audio models compute and SpecAugment's ops work on: 25 ms
# windows every 10 ms (100 frames a second, as in the SpecAugment paper), 40 mel bands.
FRAME_SECONDS, WINDOW_SECONDS, MEL_BANDS = 0.010, 0.025, 40
_RATE: ContextVar[int] = ContextVar("augmentlab_sample_rate", default=DEFAULT_RATE)


def current_rate() -> int:
    """The sample rate of the audio being augmented (16 kHz outside any ``at_rate``)."""
    return _RATE.get()


@contextlib.contextmanager
def at_rate(rate: int):
    """Ops inside this block treat waveforms as sampled at ``rate`` Hz."""
    token = _RATE.set(int(rate))
    try:
        yield
    finally:
        _RATE.reset(token)


class AudioModality(Modality):
    name = "audio"
    noun = "clips"
    training = "batches"
    preview = "spectrogram"
    models = ("logmel_cnn",)
    # a fixed audio RandAugment (two waveform ops at half strength) and TrivialAugment
    baselines = {"randaugment": "rand-n2-m0.5", "trivialaugment": "trivial"}
    default_space = {"kind": "rand", "n": [0, 3], "m": [0, 1],
                     "op_sets": {"waveform": ["gain", "noise", "shift", "time_stretch", "pitch_shift", "speed",
                                              "lowpass", "highpass", "reverb", "fade"]}}
    features = frozenset({"adaptive", "rungs"})
    formats = ("audio",)
    folder_formats = frozenset({"audio"})
    files = "a folder of .wav/.flac files"

    def check_data(self, data) -> None:
        if not isinstance(data, torch.Tensor) or data.ndim != 3 or not data.is_floating_point():
            raise AugmentlabError(f"audio data must be float (N, C, T) waveforms; got {getattr(data, 'dtype', type(data).__name__)} "
                                  f"of shape {tuple(getattr(data, 'shape', ()))}")

    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        from augmentlab.data.audio import holds_audio

        return 3 if holds_audio(path) else 0

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.audio import read_audio_folder

        return read_audio_folder(path, options, like=like if like is not None and like.modality == self.name else None)

    def output_format(self, ds, out: Path) -> str:
        """Audio is written as a folder laid out as the input was (no file suffix)."""
        from augmentlab.outputs import FILE_SUFFIXES

        if Path(out).suffix.lower() in FILE_SUFFIXES:
            raise AugmentlabError(f"out {out}: audio is written as a folder of clips; give a folder name", field="out")
        return "audio"

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.audio import write_audio_folder

        write_audio_folder(path, ds)

    def context(self, layout):
        return at_rate(getattr(layout, "sample_rate", DEFAULT_RATE))
