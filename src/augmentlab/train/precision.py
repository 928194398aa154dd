"""The number format a training step computes in: float32, or bfloat16 mixed precision.

Under ``bf16`` the forward pass runs in ``torch.autocast``: convolutions and linear layers
take bfloat16 inputs and weights and accumulate in float32; the weights, their gradients,
the optimiser's state and the loss stay float32 (bfloat16 has float32's range, so no loss
scaling). On a CPU with native bfloat16 instructions (AVX-512 BF16 or AMX), oneDNN's
convolutions run on them: an 800-step MNIST run of the default CNN took 15-20% less time
here (AMD EPYC, two threads), at the same test accuracy within the seeds' spread (the
closing notes of issue 20 have the runs). Where the CPU lacks them, bfloat16 is emulated
and slower than float32.

``auto`` (the default) is bf16 where both hold: the model says it was measured so
(``BF16_SAFE``), and the device computes bfloat16 natively (a CPU with those instructions);
float32 elsewhere, including every CUDA device (not measured) and the user's own models.
A run's results name the precision it used; the same seed gives the same bytes on the same
kind of CPU, as with any change of instructions.
"""

from __future__ import annotations

import contextlib
import functools

import torch

from augmentlab.errors import AugmentlabError

PRECISIONS = ("auto", "fp32", "bf16")
# Models set this class attribute True where ``auto`` may train them in bf16: measured at
# the same accuracy as float32.
BF16_SAFE = "bf16_safe"


def check_precision(name: str, field: str = "--precision") -> str:
    if name not in PRECISIONS:
        raise AugmentlabError(f"{field}: {name!r} is not a precision; expected one of {', '.join(PRECISIONS)}", field=field)
    return name


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bfloat16 arithmetic (AVX-512 BF16 or AMX), as torch sees it."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # a torch without these probes: assume not
        return False


def resolve_precision(name: str, model: torch.nn.Module, device: torch.device | str) -> str:
    """``fp32`` or ``bf16``: what ``name`` means for ``model`` training on ``device``."""
    check_precision(name, "precision")
    if name != "auto":
        return name
    on_cpu = torch.device(device).type == "cpu"
    return "bf16" if on_cpu and getattr(model, BF16_SAFE, False) and cpu_has_native_bf16() else "fp32"


def autocast(precision: str, device: torch.device | str):
    """The context a forward pass runs in for a resolved ``precision``."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
