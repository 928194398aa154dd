"""One registry of ops by name.

Kinds of data may share an op name when the name means the same idea on each (``time_warp``
is SpecAugment's warp of audio features and a warp of a series' time axis): the data's
modality picks the op. ``REGISTRY`` maps each name to the op registered first under it;
``op_class(name, modality)`` is the lookup that knows the data.
"""

from __future__ import annotations

import inspect

from augmentlab.errors import AugmentlabError

REGISTRY: dict[str, type] = {}
_BY_KIND: dict[tuple[str, str], type] = {}  # (modality, name) -> op


def _kinds(cls) -> tuple[str, ...]:
    return cls.modality if isinstance(cls.modality, tuple) else (cls.modality,)


def register(cls):
    """Class decorator: make an op creatable by its ``name`` (for its modalities)."""
    if not cls.name or any((kind, cls.name) in _BY_KIND for kind in _kinds(cls)) or \
            (cls.name in REGISTRY and "any" in _kinds(cls) + _kinds(REGISTRY[cls.name])):
        raise ValueError(f"op name {cls.name!r} is empty or already registered")
    if not hasattr(cls, "magnitude"):
        raise ValueError(f"op {cls.name!r} must declare what m sets: magnitude = Magnitude(...), or None if nothing")
    REGISTRY.setdefault(cls.name, cls)
    for kind in _kinds(cls):
        _BY_KIND[(kind, cls.name)] = cls
    return cls


def op_class(name: str, modality: str | None = None):
    """The op class ``name`` means on data of ``modality`` (None: the first registered under
    the name); None when no op has the name."""
    if modality is not None:
        from augmentlab.modality.registry import ops_modality

        found = _BY_KIND.get((ops_modality(modality), name))
        if found is not None:
            return found
    return REGISTRY.get(name)


def op_classes() -> list[type]:
    """Every registered op class once, ordered by name, then modality."""
    unique = {id(c): c for c in _BY_KIND.values()}
    return sorted(unique.values(), key=lambda c: (c.name, str(c.modality)))


def create_op(name: str, modality: str | None = None, **kwargs):
    """Create a registered op (the one ``name`` means on ``modality`` data), with a clear
    error for unknown names or arguments."""
    cls = op_class(name, modality)
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


def op_info(name: str | type) -> dict:
    """What ``augmentlab ops`` lists about an op (a class, or the first op of that name)."""
    cls = REGISTRY[name] if isinstance(name, str) else name
    name = cls.name
    params = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    declared = cls.magnitude
    magnitude = None if declared is None else {"quantity": declared.quantity, "at_one": declared.at_one, "unit": declared.unit,
                                               "signed": declared.signed, "scale": declared.scale, "drawn": declared.drawn,
                                               "summary": declared.describe()}
    return {"name": name, "modality": cls.modality, "stage": cls.stage, "family": cls.family, "m_controls": cls.controls,
            "magnitude": magnitude,
            "arguments": params}
