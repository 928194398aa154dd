"""Seeded, stratified N-per-class splits for the low-data protocol."""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.errors import AugmentlabError


def stratified_split(labels: torch.Tensor | np.ndarray, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``per_class`` indices of every class (seeded), return ``(chosen, remainder)``.

    Both are sorted and disjoint, and together cover every index. Raises if a class has
    fewer than ``per_class`` samples.
    """
    labels = np.asarray(labels)
    if per_class < 1:
        raise AugmentlabError(f"per-class count must be at least 1; got {per_class}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    chosen = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if len(idx) < per_class:
            raise AugmentlabError(
                f"per-class count {per_class} is larger than class {int(c)}, which has only {len(idx)} samples"
            )
        chosen.append(rng.choice(idx, size=per_class, replace=False))
    chosen_idx = np.sort(np.concatenate(chosen))
    mask = np.ones(len(labels), dtype=bool)
    mask[chosen_idx] = False
    return chosen_idx, np.flatnonzero(mask)
