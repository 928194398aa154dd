"""Which kind of data a policy works on, so an image op given text (or the reverse) is
refused up front with one clear message instead of failing mid-run."""

from __future__ import annotations

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op
from augmentlab.policy.compose import Node
from augmentlab.policy.training import TrainingPolicy


def ops_of(policy) -> list:
    """Every op in ``policy`` (presets and containers walked through)."""
    if policy is None:
        return []
    if isinstance(policy, Op):
        return [policy]
    if isinstance(policy, TrainingPolicy):
        return ops_of(policy.image) + list(policy.batch_ops)
    if isinstance(policy, Node):
        return [op for child in policy.children for op in ops_of(child)]
    return []


def check_modality(policy, modality: str) -> None:
    for op in ops_of(policy):
        if getattr(op, "modality", "image") != modality:
            raise AugmentlabError(f"op {op.name!r} works on {op.modality} data, but this data is {modality}; "
                                  f"run `augmentlab ops` for the {modality} ops")
    if modality == "text" and isinstance(policy, Node) and not ops_of(policy):
        raise AugmentlabError(f"the preset {policy!r} is for images; text policies are built from text ops")


def text_copies(policy) -> int | None:
    """The ``copies`` an op of the policy asks for (``eda(copies=16)``), if any."""
    found = [op.copies for op in ops_of(policy) if hasattr(op, "copies")]
    return max(found) if found else None
