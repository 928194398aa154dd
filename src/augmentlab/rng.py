"""Seeding helpers. Nothing here touches the global RNG of torch, numpy or random."""

from __future__ import annotations

import numpy as np
import torch


def torch_generator(seed: int) -> torch.Generator:
    """A CPU generator seeded from ``seed``; parameters are always drawn on CPU so every
    device sees the same draws."""
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds derived from ``seed`` (never ``seed + i``)."""
    children = np.random.SeedSequence(int(seed)).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def key_seed(*key: int) -> int:
    """A 63-bit seed for the stream named by the integers ``key`` (a user seed first, then
    coordinates such as copy, shard and chunk): equal keys give equal streams, and any two
    keys that differ give independent ones."""
    return int(np.random.SeedSequence([int(k) for k in key]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def seeds_from(generator: torch.Generator, n: int) -> torch.Tensor:
    """``n`` per-sample integer seeds drawn from ``generator`` (int64, non-negative)."""
    return torch.randint(0, 2**62, (n,), generator=generator, dtype=torch.int64)


def bernoulli_mask(generator: torch.Generator, batch: int, p: float) -> torch.Tensor:
    """Per-sample True with probability ``p``. For p of exactly 0 or 1 nothing is drawn:
    the answer does not depend on the draw."""
    if p >= 1.0:
        return torch.ones(batch, dtype=torch.bool)
    if p <= 0.0:
        return torch.zeros(batch, dtype=torch.bool)
    return torch.rand(batch, generator=generator) < p
