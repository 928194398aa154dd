"""Time shift: the clip moved earlier or later, rolled around or with silence let in."""

from __future__ import annotations

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.audio.base import AudioOp
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register

FILLS = ("zeros", "roll")


@register
class Shift(AudioOp):
    name = "shift"
    family = "time"
    magnitude = Magnitude("time shift", 0.5, "of the clip", signed=True)
    controls = "time shift: up to ±0.5·m of the clip (fill: zeros lets in silence, roll wraps around)"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", fill: str = "zeros"):
        super().__init__(m, p, mode)
        if fill not in FILLS:
            raise AugmentlabError(f"shift: fill={fill!r} is unknown; expected one of {', '.join(FILLS)}")
        self.fill = fill

    def sample_params(self, g, batch, shape):
        return {"shift": self.signed(g, batch, 0.5)}

    def wave(self, x, params):
        # two slice copies per clip: a gather through a (B, C, T) index costs several times more
        T = x.shape[-1]
        out = torch.zeros_like(x) if self.fill == "zeros" else torch.empty_like(x)
        for b, step in enumerate((params["shift"] * T).round().long().tolist()):
            if self.fill == "roll":
                step %= T
                out[b, :, :step] = x[b, :, T - step :]
            step = max(-T, min(T, step))
            if step >= 0:
                out[b, :, step:] = x[b, :, : T - step]
            else:
                out[b, :, : T + step] = x[b, :, -step:]
        return out
