"""Draws tied to each sample's index: sample i's parameters come from a stream derived
from ``(seed, epoch, i)`` alone, so the output for a sample does not depend on the batch
it arrived in, the batch size, or how many processes share the work. Used by the Hugging
Face entry points (``augmentlab.hf``)."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.rng import torch_generator


def stream_seed(seed: int, epoch: int, index: int) -> int:
    """The seed of sample ``index``'s stream in ``epoch``."""
    return int(np.random.SeedSequence([int(seed), int(epoch), int(index)]).generate_state(1, np.uint64)[0] % 2**63)


def concat_trees(trees: list):
    """Parameter trees of one policy, one per sample, joined along the batch axis."""
    first = trees[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(trees)
    if isinstance(first, dict):
        return {k: concat_trees([t[k] for t in trees]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(concat_trees([t[k] for t in trees]) for k in range(len(first)))
    return first  # a value every sample shares


def sample_by_index(policy, seed: int, indices, shape: tuple[int, ...], epoch: int = 0):
    """The parameters for samples ``indices`` (each from its own stream), as one batch."""
    return concat_trees([policy.sample(torch_generator(stream_seed(seed, epoch, i)), 1, shape) for i in indices])
