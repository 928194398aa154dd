"""Training policies: an image policy followed by batch-level ops that only a trainer can
apply, because they need the labels (MixUp, CutMix) or the model (FGSM, PGD).

In a spec they close a top-level sequence: ``affine(m=0.1)+mixup(m=0.2)``,
``hflip+pgd(m=0.1,steps=5)``. ``evaluate``, ``sweep`` and ``search`` accept them;
``augment`` and ``preview`` do not.
"""

from __future__ import annotations

from augmentlab.errors import AugmentlabError


class TrainingPolicy:
    kind = "training"

    def __init__(self, image, batch_ops):
        self.image = image  # an op or container, or None
        self.batch_ops = list(batch_ops)
        if not self.batch_ops:
            raise AugmentlabError("a training policy needs at least one batch-level op")

    def __eq__(self, other) -> bool:
        return type(other) is TrainingPolicy and self.image == other.image and self.batch_ops == other.batch_ops

    def __hash__(self) -> int:
        return hash((self.image, tuple(self.batch_ops)))

    def __repr__(self) -> str:
        return self.to_spec()

    def to_spec(self, inside_sequence: bool = False) -> str:
        head = [] if self.image is None else [self.image.to_spec()]
        return "+".join(head + [op.to_spec() for op in self.batch_ops])

    def to_dict(self) -> list:
        """A list closed by the batch ops, as the string form."""
        from augmentlab.policy.compose import Sequential

        image = self.image
        if type(image) is Sequential and image.p == 1.0 and len(image.children) > 1:
            head = [c.to_dict() for c in image.children]
        else:
            head = [] if image is None else [image.to_dict()]
        return head + [op.to_dict() for op in self.batch_ops]

    def with_magnitude(self, m: float) -> TrainingPolicy:
        image = None if self.image is None else self.image.with_magnitude(m)
        return TrainingPolicy(image, [op.with_magnitude(m) for op in self.batch_ops])

    def ops(self) -> list:
        return ([] if self.image is None else self.image.ops()) + list(self.batch_ops)

    def magnitude_matters(self) -> bool:
        return any(part.magnitude_matters() for part in ([] if self.image is None else [self.image]) + self.batch_ops)

    @property
    def attacks(self) -> list:
        return [op for op in self.batch_ops if op.needs_model]


def image_part(policy, command: str):
    """The image policy of ``policy``; batch-level ops are refused with a clear message."""
    if isinstance(policy, TrainingPolicy):
        names = ", ".join(op.name for op in policy.batch_ops)
        raise AugmentlabError(f"{names} need labels or the model and only apply while training; "
                              f"use them with evaluate, sweep or search, not {command}")
    return policy
