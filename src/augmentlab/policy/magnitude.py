"""Set one magnitude throughout a policy: the knob a strength sweep turns."""

from __future__ import annotations

from augmentlab.errors import AugmentlabError
from augmentlab.values import check_probability


def uses_magnitude(policy) -> bool:
    """Whether setting a magnitude changes anything in ``policy``."""
    return policy.magnitude_matters()


def check_sweepable(policy) -> None:
    """Refuse a sweep over a magnitude that controls nothing (``hflip``)."""
    with_magnitude(policy, 0.0)  # fails clearly for policies without a magnitude
    if not uses_magnitude(policy):
        raise AugmentlabError(f"policy {policy.to_spec()!r}: m controls nothing in it (flips, equalize, ... apply or not, "
                              "with probability p); sweep a policy with a strength, such as affine or rotate")


def with_magnitude(policy, m: float):
    """A copy of ``policy`` with every op's (or preset's) magnitude set to ``m``."""
    check_probability(m, "magnitude")
    return policy.with_magnitude(m)
