"""Set one magnitude throughout a policy: the knob a strength sweep turns."""

from __future__ import annotations

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.policy.compose import Node, OneOf, RandomApply, Sequential, SomeOf
from augmentlab.policy.presets import AugMix, RandAugment
from augmentlab.policy.training import TrainingPolicy


def with_magnitude(policy, m: float):
    """A copy of ``policy`` with every op's (or preset's) magnitude set to ``m``."""
    if not 0.0 <= m <= 1.0:
        raise AugmentlabError(f"magnitude {m} is out of range; expected numbers in [0, 1]")
    if isinstance(policy, Op):
        return type(policy)(**{**policy.config(), "m": m})
    if isinstance(policy, TrainingPolicy):
        image = None if policy.image is None else with_magnitude(policy.image, m)
        return TrainingPolicy(image, [with_magnitude(op, m) for op in policy.batch_ops])
    if isinstance(policy, RandAugment):
        return RandAugment(policy.n, m)
    if isinstance(policy, AugMix):
        return AugMix(m, policy.width, policy.depth)
    if type(policy) in (Sequential, RandomApply):
        return type(policy)([with_magnitude(c, m) for c in policy.children], p=policy.p)
    if type(policy) is OneOf:
        return OneOf([with_magnitude(c, m) for c in policy.children], p=policy.p, weights=policy.weights)
    if type(policy) is SomeOf:
        return SomeOf([with_magnitude(c, m) for c in policy.children], n=policy.n, p=policy.p)
    name = policy.kind if isinstance(policy, Node) else type(policy).__name__
    raise AugmentlabError(f"policy {name!r} has no magnitude to sweep; use an op, a container of ops, rand-... or augmix")
