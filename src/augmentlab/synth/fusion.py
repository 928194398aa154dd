"""Training on real plus synthetic images, without leaking the test set into the generator.

A generator fitted on images outside a run's training split has seen that run's
validation or test images, so every seed needs its own generator, fitted on exactly that
seed's training split (`augmentlab synth fit DATA --per-class N --split-seed S`). The
source matches checkpoints to seeds by the training indices each one records and refuses
a run for which none matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.options import number_list


class SyntheticSource:
    """Checkpoints keyed by the training split they were fitted on."""

    def __init__(self, paths: list[Path], ds: Dataset, data: str = "DATA", identity: str | None = None):
        """``data`` names the dataset in messages; ``identity`` (its resolved path or
        built-in name), when given, must be the one each checkpoint was fitted on."""
        from augmentlab.synth.checkpoint import load_checkpoint

        if not paths:
            raise AugmentlabError("synthetic needs at least one checkpoint", field="synthetic")
        self.paths, self.data = [Path(p) for p in paths], data
        self.by_split: dict[bytes, tuple[Path, object]] = {}
        for path in self.paths:
            generator, meta, extra = load_checkpoint(path)
            if identity is not None and meta.get("data") not in (None, identity):
                raise AugmentlabError(f"synthetic {path}: fitted on {meta['data']}, not on {identity}", field="synthetic")
            if generator.shape != tuple(ds.data.shape[1:]) or generator.num_classes != ds.num_classes:
                raise AugmentlabError(f"synthetic {path}: fitted on {generator.shape} images with {generator.num_classes} "
                                      f"classes; the data has {tuple(ds.data.shape[1:])} with {ds.num_classes}", field="synthetic")
            if "train_indices" not in extra:
                raise AugmentlabError(f"synthetic {path}: the checkpoint does not record its training images", field="synthetic")
            self.by_split[_key(extra["train_indices"].numpy())] = (path, generator)
        self.model, self.shape = generator.name, generator.shape
        self.size_flag = "--per-class" if ds.kind.split == "per_class" else "--train-size"  # how synth fit draws the split
        self._drawn: dict[tuple[str, int], torch.Tensor] = {}

    def draw(self, train_idx: np.ndarray, labels: torch.Tensor, seed: int, sample_seed: int, per_class: int) -> torch.Tensor:
        """Samples for ``labels`` from the split's generator. Labels from ``synthetic_labels``
        for one split are prefixes of each other, and sampling is prefix-stable, so the
        largest draw so far serves every smaller ratio of a sweep."""
        path, generator = self.generator_for(train_idx, seed, per_class)
        key = (str(path), sample_seed)
        have = self._drawn.get(key)
        if have is None or len(have) < len(labels):
            have = self._drawn[key] = generator.sample(labels, sample_seed)
        return have[: len(labels)]

    @classmethod
    def parse(cls, text: str, ds: Dataset, data: str = "DATA", identity: str | None = None) -> "SyntheticSource":
        """Comma-separated checkpoint paths."""
        return cls([Path(p.strip()) for p in text.split(",") if p.strip()], ds, data, identity)

    def generator_for(self, train_idx: np.ndarray, seed: int, per_class: int):
        found = self.by_split.get(_key(train_idx))
        if found is None:
            raise AugmentlabError(
                f"--synthetic: no checkpoint was fitted on seed {seed}'s training split, so its generator would have seen "
                f"that run's validation or test images; fit one with `augmentlab synth fit {self.data} --model {self.model} "
                f"{self.size_flag} {per_class} --split-seed {seed} --out ...` and list it too")
        return found

    def check_covers(self, ds: Dataset, protocol, external_test: bool) -> None:
        """Fail before any training if some seed has no checkpoint fitted on its split."""
        from augmentlab.data.split import make_splits

        for seed in range(protocol.seeds):
            self.generator_for(make_splits(ds.labels, protocol, seed, external_test).train, seed, protocol.per_stratum)


def _key(indices: np.ndarray) -> bytes:
    return np.sort(np.asarray(indices, dtype=np.int64)).tobytes()


@dataclass
class Fused:
    """A policy trained on the real split plus ``ratio`` times as many synthetic images
    (classes balanced as in the real split), drawn from that split's own generator."""

    policy: object
    source: SyntheticSource
    ratio: float

    def synthetic(self, train_idx: np.ndarray, train_y: torch.Tensor, seed: int, sample_seed: int,
                  per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        count = int(round(self.ratio * len(train_idx)))
        labels = synthetic_labels(train_y, count)
        if count == 0:  # nothing drawn, in the generators' own kind of batch
            return next(iter(self.source.by_split.values()))[1].sample(labels, 0), labels
        return self.source.draw(train_idx, labels, seed, sample_seed, per_class), labels


def synthetic_labels(train_y: torch.Tensor, count: int) -> torch.Tensor:
    """``count`` labels in the real split's class proportions: the split's labels in a
    round-robin over classes, repeated as often as needed."""
    classes, counts = torch.unique(train_y, return_counts=True)
    order = torch.cat([torch.full((int(c),), int(k)) for k, c in zip(classes, counts)])
    rank = torch.cat([torch.arange(int(c)) for c in counts])
    order = order[torch.argsort(rank, stable=True)]  # classes interleaved, so every prefix is balanced
    reps = -(-count // len(order))
    return order.repeat(reps)[:count]


MAX_RATIO = 100.0  # synthetic images per real one; beyond this the real data is noise


def parse_ratios(text: str) -> list[float]:
    values = number_list(text, "ratios", float, "0,0.5,1,2", low=0.0, high=MAX_RATIO)
    if len(set(values)) != len(values):
        raise AugmentlabError(f"ratios {text!r} repeats a value", field="ratios")
    return sorted(values)
