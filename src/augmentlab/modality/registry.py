"""The registered modalities, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from augmentlab.errors import AugmentlabError

if TYPE_CHECKING:
    from augmentlab.modality.base import Modality

_MODALITIES: dict[str, Modality] = {}


def register_modality(kind: Modality) -> Modality:
    """Make ``kind`` known by its name (once per name)."""
    from augmentlab.modality.base import SPLITS, TRAINING_STYLES

    if not kind.name or kind.name in _MODALITIES:
        raise ValueError(f"modality name {kind.name!r} is empty or already registered")
    if kind.training not in TRAINING_STYLES:
        raise ValueError(f"modality {kind.name!r}: training {kind.training!r} is not one of {TRAINING_STYLES}")
    if kind.split not in SPLITS:
        raise ValueError(f"modality {kind.name!r}: split {kind.split!r} is not one of {SPLITS}")
    _MODALITIES[kind.name] = kind
    return kind


def _load_builtins() -> None:
    import augmentlab.modality  # noqa: F401  (registers image and text)


def get_modality(name: str) -> Modality:
    _load_builtins()
    kind = _MODALITIES.get(name)
    if kind is None:
        raise AugmentlabError(f"modality {name!r} is unknown; expected one of {', '.join(_MODALITIES)}")
    return kind


def modalities() -> list[Modality]:
    """Every registered modality, in registration order."""
    _load_builtins()
    return list(_MODALITIES.values())


def ops_modality(name: str) -> str:
    """The modality whose ops data of modality ``name`` takes (annotated images take the
    image ops); an unregistered name is returned as it is."""
    _load_builtins()
    kind = _MODALITIES.get(name)
    return kind.ops if kind is not None else name
