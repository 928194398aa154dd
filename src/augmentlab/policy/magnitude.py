"""Set one magnitude throughout a policy: the knob a strength sweep turns."""

from __future__ import annotations

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.policy.compose import Node, OneOf, RandomApply, Sequential, SomeOf
from augmentlab.policy.presets import AugMix, RandAugment
from augmentlab.policy.training import TrainingPolicy
from augmentlab.values import check_probability


def uses_magnitude(policy) -> bool:
    """Whether setting a magnitude changes anything in ``policy``."""
    if isinstance(policy, Op):
        return type(policy).uses_magnitude
    if isinstance(policy, TrainingPolicy):
        return any(uses_magnitude(p) for p in ([policy.image] if policy.image is not None else []) + list(policy.batch_ops))
    if isinstance(policy, (RandAugment, AugMix)):
        return True
    return any(uses_magnitude(c) for c in getattr(policy, "children", []))


def check_sweepable(policy) -> None:
    """Refuse a sweep over a magnitude that controls nothing (``hflip``)."""
    with_magnitude(policy, 0.0)  # fails clearly for policies without a magnitude
    if not uses_magnitude(policy):
        from augmentlab.policy.spec import format_policy

        raise AugmentlabError(f"policy {format_policy(policy)!r}: m controls nothing in it (flips, equalize, ... apply or not, "
                              "with probability p); sweep a policy with a strength, such as affine or rotate")


def with_magnitude(policy, m: float):
    """A copy of ``policy`` with every op's (or preset's) magnitude set to ``m``."""
    check_probability(m, "magnitude")
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
