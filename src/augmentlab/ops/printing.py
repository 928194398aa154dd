"""An op in the compact spec form (``rotate(m=0.3,p=0.5)``). It lives with the ops, so an
op prints itself without reaching up into the policy package; ``policy.spec`` prints
containers and presets around it and parses the same form back."""

from __future__ import annotations

import re
from typing import Any

# a value printed bare must read back as the same string: names, model names and paths
BARE = re.compile(r"[A-Za-z_/~.][\w.\-/~]*")


def spec_value(v: Any) -> str:
    """A value as the spec language writes it (strings quoted where they must be)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(spec_value(x) for x in v) + "]"
    if isinstance(v, (int, float)):
        return repr(v)
    v = str(v)
    if BARE.fullmatch(v) and v.lower() not in ("true", "false", "null", "none"):
        return v
    return f'"{v}"' if "'" in v else f"'{v}'"


def format_op(op) -> str:
    """``name`` or ``name(key=value,...)`` with the arguments that differ from the defaults."""
    extra = op.non_default_config()
    if not extra:
        return op.name
    return f"{op.name}(" + ",".join(f"{k}={spec_value(v)}" for k, v in extra.items()) + ")"
