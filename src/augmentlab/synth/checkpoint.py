"""Generator checkpoints as safetensors: tensors plus JSON metadata, nothing executable.

A file that is not a safetensors file written by augmentlab (a pickle, a torch.save file,
another library's checkpoint, a truncated file) is refused with one clear error.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path

FORMAT = "augmentlab-synth"
VERSION = "1"


def save_checkpoint(generator, path: str | Path, meta: dict, extra: dict[str, torch.Tensor] | None = None, *,
                    replace: bool = False) -> None:
    from safetensors.torch import save_file

    tensors = {f"net.{k}": v.detach().cpu().clone().contiguous() for k, v in generator.net.state_dict().items()}
    tensors.update({f"extra.{k}": v.cpu().contiguous() for k, v in (extra or {}).items()})
    metadata = {"format": FORMAT, "version": VERSION, "config": json.dumps(generator.config()), "meta": json.dumps(meta)}
    with atomic_path(path, replace=replace) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)


def load_checkpoint(path: str | Path):
    """``(generator, meta, extra tensors)`` from a checkpoint written by ``save_checkpoint``."""
    from safetensors import safe_open

    from augmentlab.synth.models import MODELS, TABLE_MODELS

    path = Path(path)
    if not path.is_file():
        raise AugmentlabError(f"{path}: no such checkpoint")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # noqa: BLE001 - any parse failure means "not our checkpoint"
        raise AugmentlabError(f"{path}: not an augmentlab checkpoint (unreadable as safetensors: {type(e).__name__})") from None
    if metadata.get("format") != FORMAT:
        raise AugmentlabError(f"{path}: not an augmentlab checkpoint (no '{FORMAT}' format tag)")
    if metadata.get("version") != VERSION:
        raise AugmentlabError(f"{path}: checkpoint version {metadata.get('version')!r}; this augmentlab reads version {VERSION}")
    try:
        config, meta = json.loads(metadata["config"]), json.loads(metadata["meta"])
        name = config.pop("model")
        cls = MODELS[name] if name in MODELS else TABLE_MODELS[name]
        generator = cls(tuple(config.pop("shape")), config.pop("num_classes"), **config)
        state = {k[4:]: v for k, v in tensors.items() if k.startswith("net.")}
        generator.net.load_state_dict(state, strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise AugmentlabError(f"{path}: corrupt augmentlab checkpoint ({type(e).__name__}: {str(e).splitlines()[0][:120]})") from None
    extra = {k[6:]: v for k, v in tensors.items() if k.startswith("extra.")}
    return generator, meta, extra
