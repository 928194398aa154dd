"""One registry of ops by name."""

from __future__ import annotations

import inspect

from augmentlab.errors import AugmentlabError

REGISTRY: dict[str, type] = {}


def register(cls):
    """Class decorator: make an op creatable by its ``name``."""
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"op name {cls.name!r} is empty or already registered")
    if not hasattr(cls, "magnitude"):
        raise ValueError(f"op {cls.name!r} must declare what m sets: magnitude = Magnitude(...), or None if nothing")
    REGISTRY[cls.name] = cls
    return cls


def create_op(name: str, **kwargs):
    """Create a registered op, with a clear error for unknown names or arguments."""
    cls = REGISTRY.get(name)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `augmentlab ops` for the list"
        raise AugmentlabError(f"unknown op {name!r}{hint}")
    allowed = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    bad = [k for k in kwargs if k not in allowed]
    if bad:
        raise AugmentlabError(f"op {name!r} has no argument {bad[0]!r}; it takes {', '.join(allowed)}")
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise AugmentlabError(f"op {name!r}: {e}") from None


def op_info(name: str) -> dict:
    cls = REGISTRY[name]
    params = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    declared = cls.magnitude
    magnitude = None if declared is None else {"quantity": declared.quantity, "at_one": declared.at_one, "unit": declared.unit,
                                               "signed": declared.signed, "scale": declared.scale, "drawn": declared.drawn,
                                               "summary": declared.describe()}
    return {"name": name, "modality": cls.modality, "stage": cls.stage, "family": cls.family, "m_controls": cls.controls,
            "magnitude": magnitude,
            "arguments": params}
