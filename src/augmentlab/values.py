"""Every number a user gives (magnitudes, probabilities, weights, ratios, seeds, sizes) is
checked here: its type, that it is finite, and its range, with one error naming the field.

``NaN < 0`` is False, so a check written as ``if v < 0: fail`` lets NaN through; the
checks here test that a value lies inside its range instead.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from augmentlab.errors import AugmentlabError

SEED_LIMIT = 2**63  # seeds are non-negative 63-bit integers: what every generator takes


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_number(value, field: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, integer: bool = False) -> float | int:
    """``value`` as a finite number (an int when ``integer``) in ``[low, high]`` (``(low,
    high]`` with ``low_open``)."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, Integral if integer else Real):
        raise _error(f"{field}={_shown(value)} is not {kind}", field)
    if not integer and not math.isfinite(value):
        raise _error(f"{field}={_shown(value)} is not a finite number", field)
    inside = (low is None or (value > low if low_open else value >= low)) and (high is None or value <= high)
    if not inside:
        lo = "" if low is None else f"{'above' if low_open else 'at least'} {_bound(low)}"
        hi = "" if high is None else f"at most {_bound(high)}"
        raise _error(f"{field}={_shown(value)} is out of range; expected {kind} {' and '.join(p for p in (lo, hi) if p)}", field)
    return int(value) if integer else float(value)


def _error(message: str, field: str) -> AugmentlabError:
    """An error whose message begins with ``field``; a Python name is marked as the field,
    so the CLI can show it as its flag."""
    return AugmentlabError(message, field=field if field.isidentifier() else None)


def _bound(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def check_seed(value, field: str = "seed") -> int:
    """A seed: an integer in [0, 2^63)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value < SEED_LIMIT:
        raise _error(f"{field}={_shown(value)} is out of range; expected an integer from 0 to 2^63-1", field)
    return int(value)


def check_probability(value, field: str) -> float:
    return check_number(value, field, low=0.0, high=1.0)


def or_list(items) -> str:
    """``a``, ``a or b``, ``a, b or c``: alternatives for a message."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else "none"
