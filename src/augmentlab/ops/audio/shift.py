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
        B, C, T = x.shape
        steps = (params["shift"].to(x.device) * T).round().long().view(B, 1, 1)
        t = torch.arange(T, device=x.device).view(1, 1, T)
        source = t - steps
        if self.fill == "roll":
            return x.gather(2, (source % T).expand(B, C, T))
        inside = (source >= 0) & (source < T)
        return torch.where(inside, x.gather(2, source.clamp(0, T - 1).expand(B, C, T)), torch.zeros_like(x))
