"""What each op does to each kind of target (boxes, keypoints, masks), looked up by type:
``(op class, target class) -> rule``, found through the op's class hierarchy, as
torchvision v2 keys its kernels by op and ``tv_tensor`` type. A rule is
``rule(op, target, params, shape) -> target`` for a batch of images of ``shape`` (C, H, W);
``params`` hold the op's per-sample ``apply`` mask.

An op with no rule for a target refuses it by name: nothing passes through an op that
was never asked what it does to it.
"""

from __future__ import annotations

from collections.abc import Callable

from augmentlab.errors import AugmentlabError

Rule = Callable  # (op, target, params, shape) -> target
_RULES: dict[tuple[type, type], Rule] = {}


def target_rule(op_types, target_types):
    """Register the decorated rule for every pair of the given op and target classes."""
    op_types = op_types if isinstance(op_types, tuple) else (op_types,)
    target_types = target_types if isinstance(target_types, tuple) else (target_types,)

    def register(rule: Rule) -> Rule:
        for op_type in op_types:
            for target_type in target_types:
                if (op_type, target_type) in _RULES:
                    raise ValueError(f"{op_type.__name__} already has a rule for {target_type.__name__}")
                _RULES[(op_type, target_type)] = rule
        return rule

    return register


def unchanged(op, target, params, shape):
    """The rule of ops that change pixel values, not where things are."""
    return target


def rule_for(op, target) -> Rule:
    """The rule of ``op``'s nearest class that has one for ``target``'s type."""
    for cls in type(op).__mro__:
        rule = _RULES.get((cls, type(target)))
        if rule is not None:
            return rule
    raise AugmentlabError(f"{op.name} does not say what it does to {type(target).__name__.lower()}; "
                          f"leave it out of a policy for data with them")


def handles(op, target_type: type) -> bool:
    """Whether ``op`` has a rule for targets of ``target_type`` (the contract suite asks)."""
    return any((cls, target_type) in _RULES for cls in type(op).__mro__)
