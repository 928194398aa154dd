"""Kinds of data as plug-ins: one module per modality, registered once here.

A new kind of data adds ``modality/<kind>.py`` (a ``Modality``), its ops under
``ops/<kind>/`` and one ``register_modality`` line below; see CONTRIBUTING.md.
"""

from augmentlab.modality.annotated import AnnotatedModality
from augmentlab.modality.audio import AudioModality
from augmentlab.modality.base import TRAINING_STYLES, Modality
from augmentlab.modality.image import ImageModality
from augmentlab.modality.registry import get_modality, modalities, register_modality
from augmentlab.modality.series import SeriesModality
from augmentlab.modality.table import TableModality
from augmentlab.modality.text import TextModality

__all__ = ["TRAINING_STYLES", "Modality", "get_modality", "modalities", "register_modality"]

register_modality(ImageModality())
register_modality(TextModality())
register_modality(AudioModality())
register_modality(AnnotatedModality())
register_modality(SeriesModality())
register_modality(TableModality())
