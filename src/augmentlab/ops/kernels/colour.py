"""Colour kernels on CPU uint8 RGB batches, split across threads."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.ops.kernels.numba_colour import hue_shift
from augmentlab.ops.kernels.threads import over_batch


def hue_shift_u8(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Each (3, H, W) uint8 image of ``x`` with its hue turned by ``shift`` (B,) of the
    colour circle: the same bytes as ``Hue.colour`` through float32 (tested)."""
    B = x.shape[0]
    src = x.contiguous().numpy().reshape(B, 3, -1)
    out = np.empty_like(src)
    turns = shift.to(torch.float32).numpy()
    over_batch(lambda a, b: hue_shift(src[a:b], out[a:b], turns[a:b]), B, src[0].nbytes if B else 0)
    return torch.from_numpy(out.reshape(x.shape))
