"""Training policies: a policy on the samples followed by parts only a trainer can apply:
ops on the features the model computes (SpecAugment on log-mel spectrograms), and
batch-level ops that need the labels (MixUp, CutMix) or the model (FGSM, PGD).

In a spec they close a top-level sequence in that order: ``affine(m=0.1)+mixup(m=0.2)``,
``hflip+pgd(m=0.1,steps=5)``, ``gain+specaugment-lb``. ``evaluate``, ``sweep`` and
``search`` accept them; ``augment`` and ``preview`` do not.
"""

from __future__ import annotations

from augmentlab.errors import AugmentlabError


class TrainingPolicy:
    kind = "training"

    def __init__(self, image, batch_ops, features=None):
        self.image = image  # the policy on the samples: an op or container, or None
        self.features = features  # the policy on the model's features, or None
        self.batch_ops = list(batch_ops)
        if not self.batch_ops and features is None:
            raise AugmentlabError("a training policy needs a batch-level op or a feature op")

    def __eq__(self, other) -> bool:
        return (type(other) is TrainingPolicy and self.image == other.image and self.features == other.features
                and self.batch_ops == other.batch_ops)

    def __hash__(self) -> int:
        return hash((self.image, self.features, tuple(self.batch_ops)))

    def _parts(self) -> list:
        return [part for part in (self.image, self.features) if part is not None]

    def __repr__(self) -> str:
        return self.to_spec()

    def to_spec(self, inside_sequence: bool = False) -> str:
        return "+".join([part.to_spec() for part in self._parts()] + [op.to_spec() for op in self.batch_ops])

    def to_dict(self) -> list:
        """A list closed by the batch ops, as the string form."""
        from augmentlab.policy.compose import Sequential

        head = []
        for part in self._parts():
            if type(part) is Sequential and part.p == 1.0 and len(part.children) > 1:
                head += [c.to_dict() for c in part.children]
            else:
                head.append(part.to_dict())
        return head + [op.to_dict() for op in self.batch_ops]

    def with_magnitude(self, m: float) -> TrainingPolicy:
        image = None if self.image is None else self.image.with_magnitude(m)
        features = None if self.features is None else self.features.with_magnitude(m)
        return TrainingPolicy(image, [op.with_magnitude(m) for op in self.batch_ops], features)

    def ops(self) -> list:
        return [op for part in self._parts() for op in part.ops()] + list(self.batch_ops)

    def magnitude_matters(self) -> bool:
        return any(part.magnitude_matters() for part in self._parts() + self.batch_ops)

    @property
    def attacks(self) -> list:
        return [op for op in self.batch_ops if op.needs_model]


def image_part(policy, command: str):
    """The image policy of ``policy``; batch-level ops are refused with a clear message."""
    if isinstance(policy, TrainingPolicy):
        if policy.batch_ops:
            names = ", ".join(op.name for op in policy.batch_ops)
            raise AugmentlabError(f"{names} need labels or the model and only apply while training; "
                                  f"use them with evaluate, sweep or search, not {command}")
        names = ", ".join(op.name for op in policy.features.ops())
        raise AugmentlabError(f"{names} work on the features a model computes and only apply while training; "
                              f"use them with evaluate, sweep or search, not {command}")
    return policy
