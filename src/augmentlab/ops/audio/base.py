"""What every audio op shares: its modality, and results clamped to [-1, 1]."""

from __future__ import annotations

from augmentlab.ops.audio.signal import in_range
from augmentlab.ops.base import Op


class AudioOp(Op):
    modality = "audio"
    # the parameter whose value 0 leaves a clip unchanged, for ops whose DSP is not exactly
    # the identity there (a phase vocoder at rate 1): those clips are passed through
    still: str | None = None

    def kernel(self, x, params):
        if self.still is not None:
            moving = params[self.still] != 0
            if not bool(moving.all()):
                out = x.clone()
                if bool(moving.any()):
                    idx = moving.nonzero().squeeze(1)
                    out[idx] = in_range(self.wave(x[idx], {k: v[idx] for k, v in params.items()}), x)
                return out
        return in_range(self.wave(x, params), x)

    def wave(self, x, params):
        """The transformed waveforms (any range; ``kernel`` clamps them to [-1, 1])."""
        raise NotImplementedError
