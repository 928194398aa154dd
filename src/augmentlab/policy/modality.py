"""Which kind of data a policy works on, so an image op given text (or the reverse) is
refused up front with one clear message instead of failing mid-run."""

from __future__ import annotations

from augmentlab.modality import get_modality


def ops_of(policy) -> list:
    """Every op in ``policy`` (presets and containers walked through)."""
    return [] if policy is None else policy.ops()


def check_modality(policy, modality: str) -> None:
    get_modality(modality).refuse_foreign([(op.name, op.modality) for op in ops_of(policy)])


def text_copies(policy) -> int | None:
    """The ``copies`` an op of the policy asks for (``eda(copies=16)``), if any."""
    found = [op.copies for op in ops_of(policy) if hasattr(op, "copies")]
    return max(found) if found else None
