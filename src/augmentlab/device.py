"""Choosing the torch device a command runs on, with one clear error when it is missing."""

from __future__ import annotations

from augmentlab.errors import AugmentlabError


def resolve_device(name: str):
    """The ``torch.device`` for ``cpu``, ``cuda``, ``cuda:N``, ``mps`` or ``auto`` (CUDA
    when present, else CPU)."""
    import torch  # lazily, so the CLI starts fast

    name = name.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise AugmentlabError(f"--device {name!r} is not a device; expected cpu, cuda, cuda:N, mps or auto") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise AugmentlabError(f"--device {name}: no CUDA device is available here; use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise AugmentlabError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) are visible")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise AugmentlabError(f"--device {name}: MPS is not available here; use --device cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise AugmentlabError(f"--device {name!r} is not supported; expected cpu, cuda, cuda:N, mps or auto")
    return device
