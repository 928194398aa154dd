"""Augmentation operations. Every op registers once in ``REGISTRY`` with its modality and
what the universal magnitude ``m`` in [0, 1] controls."""

# Importing the families registers their ops.
from augmentlab.ops import adversarial, mix  # noqa: F401
from augmentlab.ops.audio import filters, level, reverb, shift, spectrogram, tempo  # noqa: F401
from augmentlab.ops.audio import noise as _audio_noise  # noqa: F401
from augmentlab.ops.base import Op, Params
from augmentlab.ops.image import distort, erase, fusion, geometric, noise, photometric, targets  # noqa: F401
from augmentlab.ops.registry import REGISTRY, create_op, op_info, register
from augmentlab.ops.series import masking as _series_masking  # noqa: F401
from augmentlab.ops.series import mix as _series_mix  # noqa: F401
from augmentlab.ops.series import time as _series_time  # noqa: F401
from augmentlab.ops.series import values as _series_values  # noqa: F401
from augmentlab.ops.table import mix as _table_mix  # noqa: F401
from augmentlab.ops.table import noise as _table_noise  # noqa: F401
from augmentlab.ops.table import oversample as _table_oversample  # noqa: F401
from augmentlab.ops.text import eda as _text_eda  # noqa: F401
from augmentlab.ops.text import model_ops as _text_models  # noqa: F401
from augmentlab.ops.text import noise as _text_noise  # noqa: F401

__all__ = ["REGISTRY", "Op", "Params", "create_op", "op_info", "register"]
