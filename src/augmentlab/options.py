"""Parsing of comma-separated option values, with one clear error naming the option."""

from __future__ import annotations

from collections.abc import Callable

from augmentlab.errors import AugmentlabError


def number_list(text: str, option: str, cast: Callable[[str], float | int], example: str) -> list:
    """``text`` split on commas and converted with ``cast``; empty or malformed lists fail."""
    try:
        values = [cast(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise AugmentlabError(f"{option} {text!r}: expected comma-separated numbers such as {example}") from None
    if not values:
        raise AugmentlabError(f"{option} is empty; expected comma-separated numbers such as {example}")
    return values
