"""The text op base class.

A batch of text is a 1-D numpy array of str. Sampling draws one integer seed per sentence
(and its strength); applying edits each sentence with a ``random.Random`` made from that
seed, so any draw can be logged and replayed exactly, and the global RNG is never used.
For text, ``m`` is the share of words touched (EDA's α); ``mode='fixed'`` (the default)
uses exactly ``m``, ``mode='uniform'`` draws it per sentence from [0, m].
"""

from __future__ import annotations

import math
import random
from abc import abstractmethod
from typing import ClassVar

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op, Params, _without_mask, select
from augmentlab.rng import seeds_from


def as_text_batch(texts) -> np.ndarray:
    """A 1-D object array of str (the text batch type) from any sequence of strings."""
    if isinstance(texts, np.ndarray) and texts.dtype == object and texts.ndim == 1:
        return texts
    out = np.empty(len(texts), dtype=object)
    out[:] = [str(t) for t in texts]
    return out


class TextOp(Op):
    modality: ClassVar[str] = "text"
    MODES: ClassVar[tuple[str, ...]] = ("fixed", "uniform")

    def __init__(self, m: float = 0.1, p: float = 1.0, mode: str = "fixed"):
        super().__init__(m, p, mode)

    def sample_params(self, g: torch.Generator, batch: int, shape=()) -> Params:
        return {"seed": seeds_from(g, batch), "strength": self.unsigned(g, batch, 1.0)}

    def kernel(self, x: np.ndarray, params: Params) -> np.ndarray:
        seeds, strengths = params["seed"].tolist(), params["strength"].tolist()
        return self.edit_batch(x, seeds, strengths)

    @abstractmethod
    def edit_batch(self, texts: np.ndarray, seeds: list[int], strengths: list[float]) -> np.ndarray:
        """Every sentence edited by its own seed and strength (model-based ops batch the model calls)."""

    def apply(self, x, params: Params) -> np.ndarray:
        x = as_text_batch(x)
        mask = params["apply"]
        if bool(mask.all()):
            return self.kernel(x, _without_mask(params))
        if not bool(mask.any()):
            return x
        idx = mask.nonzero().squeeze(1)
        out = x.copy()
        out[idx.numpy()] = self.kernel(x[idx.numpy()], select(_without_mask(params), idx))
        return out

    def __call__(self, x, generator: torch.Generator) -> np.ndarray:
        x = as_text_batch(x)
        return self.apply(x, self.sample(generator, len(x), ()))


class SentenceOp(TextOp):
    """A text op that edits one sentence at a time with a ``random.Random`` of its seed."""

    def edit_batch(self, texts, seeds, strengths):
        return as_text_batch([self.edit(t, s, random.Random(seed)) for t, seed, s in zip(texts, seeds, strengths)])

    @abstractmethod
    def edit(self, text: str, strength: float, rng: random.Random) -> str:
        """``text`` edited at ``strength`` (the share of words touched), drawing only from ``rng``."""


def count_to_touch(n_words: int, strength: float) -> int:
    """How many of ``n_words`` words a strength touches: EDA's max(1, α·n), and none at α = 0."""
    if strength <= 0 or n_words == 0:
        return 0
    return max(1, int(math.floor(strength * n_words)))


def check_positive_int(op: str, name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise AugmentlabError(f"{op}: {name}={value!r} must be a positive integer")
    return value
