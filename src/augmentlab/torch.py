"""augmentlab inside a PyTorch training loop: a batch transform that is an ``nn.Module``,
a per-sample transform for torchvision-style datasets, and a collate function for
samples with labels.

Every draw comes from the object's own generator, never the global RNG. Seeding is
worker-aware: inside a DataLoader worker, the per-sample transform and the collate
function draw from a stream derived from the pipeline seed, the worker's id and the
worker's base seed (which the DataLoader draws anew every epoch from its own generator).
So with ``DataLoader(..., generator=torch.Generator().manual_seed(s))`` the same seeds and
worker count give the same batches, and no two workers or epochs repeat draws, which is
the classic NumPy-in-workers bug.

    from augmentlab.torch import BatchAugment
    augment = BatchAugment("hflip+affine(m=0.3)", seed=0).to(device)
    for x, y in loader:
        x = augment(x.to(device))           # uint8 or float images, (N, C, H, W)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from augmentlab.errors import AugmentlabError
from augmentlab.policy.replay import params_to_json


def as_policy(policy, modality: str = "image"):
    """A policy object from a spec string, a ``.yaml``/``.json`` file or a policy."""
    if isinstance(policy, str):
        from augmentlab.policy import load_policy
        from augmentlab.policy.modality import check_modality

        policy = load_policy(policy, modality)
        check_modality(policy, modality)
    if not hasattr(policy, "sample") and not hasattr(policy, "batch_ops"):
        raise AugmentlabError(f"policy: expected a spec string or a policy; got {type(policy).__name__}")
    return policy


def training_parts(policy):
    """``(policy on samples or None, batch-level ops)``."""
    from augmentlab.policy.training import TrainingPolicy

    if isinstance(policy, TrainingPolicy):
        if policy.features is not None:
            raise AugmentlabError("feature ops (SpecAugment) need the model's features; the lab's trainer applies them")
        return policy.image, list(policy.batch_ops)
    return policy, []


class BatchAugment(nn.Module):
    """The policy applied to whole batches on their own device, after the DataLoader.

    ``forward(x)`` returns the augmented batch; with labels, ``forward(x, y)`` returns
    ``(x, target)``, where batch-level ops (``mixup``, ``cutmix``) turn ``y`` into soft
    labels. Draws come from the module's own CPU generator (so a seed gives the same draws
    on every device); its state is saved with ``state_dict`` and restored on load, so a
    resumed run continues the same stream. With ``record=True`` every draw is kept in
    ``records`` as JSON, replayable with ``policy.apply``.
    """

    def __init__(self, policy, seed: int = 0, *, num_classes: int | None = None, record: bool = False, modality: str = "image"):
        super().__init__()
        from augmentlab.values import check_seed

        self.policy = as_policy(policy, modality)
        self.samples, self.batch_ops = training_parts(self.policy)
        if any(getattr(op, "needs_model", False) for op in self.batch_ops):
            raise AugmentlabError("adversarial ops need the model being trained; the lab's trainer applies them")
        if self.batch_ops and num_classes is None:
            raise AugmentlabError(f"{', '.join(op.name for op in self.batch_ops)} make soft labels over every class: "
                                  "give num_classes")
        self.seed = check_seed(seed)
        self.num_classes = num_classes
        self.generator = torch.Generator().manual_seed(self.seed)
        self.record = record
        self.records: list = []

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None):
        if self.samples is not None:
            params = self.samples.sample(self.generator, x.shape[0], tuple(x.shape[1:]))
            if self.record:
                self.records.append(params_to_json(params))
            x = self.samples.apply(x, params)
        if y is None:
            if self.batch_ops:
                raise AugmentlabError(f"{', '.join(op.name for op in self.batch_ops)} need the labels: call augment(x, y)")
            return x
        target = y
        for op in self.batch_ops:
            x, target = op.apply_batch(x, target, self.num_classes, self.generator)
        return x, target

    def get_extra_state(self):
        return {"generator": self.generator.get_state(), "seed": self.seed}

    def set_extra_state(self, state) -> None:
        self.generator.set_state(state["generator"])

    def extra_repr(self) -> str:
        return f"policy={self.policy.to_spec()!r}, seed={self.seed}"


def worker_generator(seed: int) -> torch.Generator:
    """A generator for the calling process: in a DataLoader worker, derived from ``seed``,
    the worker's id and its base seed (new each epoch); in the main process, from ``seed``."""
    info = torch.utils.data.get_worker_info()
    if info is None:
        return torch.Generator().manual_seed(seed)
    entropy = [seed, info.id, info.seed % 2**63]
    return torch.Generator().manual_seed(int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] % 2**63))


class _WorkerStream:
    """A generator made lazily in whichever process first draws (a DataLoader pickles the
    transform into each worker), and made again when that process starts a new epoch."""

    def __init__(self, seed: int):
        from augmentlab.values import check_seed

        self.seed = check_seed(seed)
        self._generator = None
        self._worker_seed = None

    def generator(self) -> torch.Generator:
        info = torch.utils.data.get_worker_info()
        key = None if info is None else (info.id, info.seed)
        if self._generator is None or key != self._worker_seed:
            self._generator, self._worker_seed = worker_generator(self.seed), key
        return self._generator

    def __getstate__(self):
        # a copy sent to a worker starts its own stream there
        return {**self.__dict__, "_generator": None, "_worker_seed": None}


class SampleAugment(_WorkerStream):
    """A per-sample transform (``transform=`` of a torchvision-style dataset): one image
    (C, H, W), uint8 or float, in; the augmented image out. Batch-level ops need a batch:
    use ``AugmentCollate`` or ``BatchAugment`` for them."""

    def __init__(self, policy, seed: int = 0, modality: str = "image"):
        super().__init__(seed)
        self.policy = as_policy(policy, modality)
        samples, batch_ops = training_parts(self.policy)
        if batch_ops:
            raise AugmentlabError(f"{', '.join(op.name for op in batch_ops)} mix whole batches; use AugmentCollate or BatchAugment")
        self.samples = samples

    def __call__(self, sample):
        x = torch.as_tensor(np.asarray(sample)) if not isinstance(sample, torch.Tensor) else sample
        return self.samples(x.unsqueeze(0), self.generator())[0]


class AugmentCollate(_WorkerStream):
    """A ``collate_fn`` for ``(image, label)`` samples: stacks them, applies the policy to
    the batch (in the worker, so augmentation overlaps training), batch-level ops
    included; returns ``(images, labels)``, labels soft where a mixing op made them so."""

    def __init__(self, policy, num_classes: int, seed: int = 0, modality: str = "image"):
        super().__init__(seed)
        self.policy = as_policy(policy, modality)
        self.samples, self.batch_ops = training_parts(self.policy)
        if any(getattr(op, "needs_model", False) for op in self.batch_ops):
            raise AugmentlabError("adversarial ops need the model being trained; the lab's trainer applies them")
        self.num_classes = num_classes

    def __call__(self, batch):
        x = torch.stack([torch.as_tensor(sample) for sample, _ in batch])
        y = torch.as_tensor([int(label) for _, label in batch], dtype=torch.int64)
        g = self.generator()
        if self.samples is not None:
            x = self.samples(x, g)
        target = y
        for op in self.batch_ops:
            x, target = op.apply_batch(x, target, self.num_classes, g)
        return x, target
