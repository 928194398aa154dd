"""Parsing of comma-separated option values, with one clear error naming the option."""

from __future__ import annotations

from collections.abc import Callable

from augmentlab.errors import AugmentlabError
from augmentlab.values import check_number


def number_list(text: str, option: str, cast: Callable[[str], float | int], example: str,
                low: float | None = None, high: float | None = None) -> list:
    """``text`` split on commas and converted with ``cast``, each value finite and in
    ``[low, high]``; empty or malformed lists fail."""
    try:
        values = [cast(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise AugmentlabError(f"{option} {text[:80]!r}: expected comma-separated numbers such as {example}", field=option) from None
    if not values:
        raise AugmentlabError(f"{option} is empty; expected comma-separated numbers such as {example}", field=option)
    return [check_number(v, option, low=low, high=high, integer=cast is int) for v in values]
