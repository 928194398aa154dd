"""What every audio op shares: its modality, and results clamped to [-1, 1]."""

from __future__ import annotations

from abc import abstractmethod

import torch

from augmentlab.ops.audio.signal import in_range
from augmentlab.ops.base import Op
from augmentlab.ops.kernels.rows import put_rows, take_rows


def only_where(moving: torch.Tensor, x: torch.Tensor, params: dict, fn) -> torch.Tensor:
    """``fn(x, params)`` for the samples where ``moving`` is True; the others pass through
    unchanged (for DSP that is not exactly the identity at a parameter of zero)."""
    if bool(moving.all()):
        return fn(x, params)
    if not bool(moving.any()):
        return x.clone()
    idx = moving.nonzero().squeeze(1)
    return put_rows(x, idx, fn(take_rows(x, idx), {k: v[idx] for k, v in params.items()}))


class AudioOp(Op):
    modality = "audio"
    # the parameter whose value 0 leaves a clip unchanged, for ops whose DSP is not exactly
    # the identity there (a phase vocoder at rate 1): those clips are passed through
    still: str | None = None

    def kernel(self, x, params):
        clamped = lambda v, p: in_range(self.wave(v, p), v)  # noqa: E731
        if self.still is not None:
            return only_where(params[self.still] != 0, x, params, clamped)
        return clamped(x, params)

    @abstractmethod
    def wave(self, x, params):
        """The transformed waveforms (any range; ``kernel`` clamps them to [-1, 1])."""
