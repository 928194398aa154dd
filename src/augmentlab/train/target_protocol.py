"""The lab's protocol for images with targets, as for classification: on each seed, a
training set of ``train_size`` images, a validation set and a test set drawn disjointly
(or a given test set), one run without augmentation and one with the policy, and the
paired lift over seeds with its 95% CI. Results keep the classification layout
(``baseline``, ``augmented``, ``lift``, each score under ``test_accuracy``'s structure)
and name the score in ``metric``: ``miou`` or ``ap50``."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.errors import AugmentlabError
from augmentlab.rng import torch_generator
from augmentlab.train.stats import paired, summarize
from augmentlab.train.target_run import TASKS, score, task_of, train_targets
from augmentlab.train.trainer import TrainConfig


@dataclass(frozen=True)
class TargetProtocol:
    train_size: int = 200
    val_size: int = 100
    test_size: int = 300  # drawn from the data unless a test set is given
    seeds: int = 3
    steps: int = 600
    batch_size: int = 32

    def check(self, data: AnnotatedImages, test: AnnotatedImages | None) -> None:
        for name in ("train_size", "seeds", "steps", "batch_size"):
            if getattr(self, name) < 1:
                raise AugmentlabError(f"{name} must be at least 1; got {getattr(self, name)}", field=name)
        needed = self.train_size + self.val_size + (0 if test is not None else self.test_size)
        if needed > len(data):
            raise AugmentlabError(f"train_size: {self.train_size} training, {self.val_size} validation"
                                  f"{'' if test is not None else f' and {self.test_size} test'} images need {needed}; "
                                  f"the data has {len(data)}", field="train_size")
        if test is not None and task_of(test) != task_of(data):
            raise AugmentlabError("test: its targets are not of the data's kind (masks against boxes)", field="test")


def splits(n: int, protocol: TargetProtocol, seed: int, external_test: bool) -> dict[str, torch.Tensor]:
    """Disjoint index sets for one seed: test first (unless external), then validation, then training."""
    order = torch.randperm(n, generator=torch_generator(seed))
    out, start = {}, 0
    for name, size in (("test", 0 if external_test else protocol.test_size), ("val", protocol.val_size), ("train", protocol.train_size)):
        out[name] = order[start : start + size]
        start += size
    return out


def evaluate_targets(data: AnnotatedImages, policy, protocol: TargetProtocol, test: AnnotatedImages | None = None, progress=None) -> dict:
    """Baseline and augmented runs on seeds 0..K-1 sharing each seed's splits."""
    protocol.check(data, test)
    metric = TASKS[task_of(data)]
    config = TrainConfig(steps=protocol.steps, batch_size=protocol.batch_size)
    start = time.perf_counter()
    runs: dict[str, list[dict]] = {"baseline": [], "augmented": []}
    for seed in range(protocol.seeds):
        parts = splits(len(data), protocol, seed, test is not None)
        train, val = data.subset(parts["train"]), data.subset(parts["val"])
        held_out = test if test is not None else data.subset(parts["test"])
        for name, pol in (("baseline", None), ("augmented", policy)):
            t0 = time.perf_counter()
            model = train_targets(train, pol, config, seed)
            runs[name].append({"seed": seed, "train_accuracy": score(model, train), "val_accuracy": score(model, val) if len(val) else None,
                               "test_accuracy": score(model, held_out), "seconds": time.perf_counter() - t0})
            if progress:
                progress(1)
    arms = {}
    for name, rs in runs.items():
        arms[name] = {k: summarize([r[k] for r in rs]) for k in ("train_accuracy", "test_accuracy")}
        if all(r["val_accuracy"] is not None for r in rs):
            arms[name]["val_accuracy"] = summarize([r["val_accuracy"] for r in rs])
        arms[name]["runs"] = rs
    lift = paired([r["test_accuracy"] for r in runs["baseline"]], [r["test_accuracy"] for r in runs["augmented"]])
    return {"metric": metric, "protocol": asdict(protocol), "baseline": arms["baseline"], "augmented": arms["augmented"], "lift": lift,
            "seconds": time.perf_counter() - start}
