"""The user's own model in the lab: ``--model package.module:factory`` (found on
``PYTHONPATH``) or ``--model path/to/file.py:factory``, where ``factory(shape, num_classes)``
returns an ``nn.Module`` mapping a batch of samples of ``shape`` to ``(N, num_classes)``
logits; optionally started from local safetensors weights (nothing is downloaded).

The module receives batches as the built-in models do (images as floats in [-1, 1]); a
module with a ``prepare(x)`` method is given ``prepare(x)`` instead. The factory is
imported, called and probed with a small batch before any training, so a missing module
or attribute, a factory that returns something else than a module, or logits of the
wrong size is one clear error.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import torch
from torch import nn

from augmentlab.errors import AugmentlabError

_REGISTERED: dict[str, object] = {}  # factories given as Python objects that cannot be imported by name


def factory_name(factory) -> str:
    """The name a factory goes by in records: its import path (``module:qualname``) when
    it can be imported so, else a name registered in this process (a lambda, a local
    function), which runs in this process only."""
    if not callable(factory):
        raise AugmentlabError(f"model: expected a model name or a factory(shape, num_classes); got {type(factory).__name__}",
                              field="model")
    module, qualname = getattr(factory, "__module__", None), getattr(factory, "__qualname__", "")
    if module and module != "__main__" and "<" not in qualname and "." not in qualname:
        try:
            if getattr(importlib.import_module(module), qualname, None) is factory:
                return f"{module}:{qualname}"
        except Exception:  # noqa: BLE001 - not importable by name: register it below
            pass
    name = f"python:{qualname or type(factory).__name__}@{id(factory):x}"
    _REGISTERED[name] = factory
    return name


def is_user_model(name: str | None) -> bool:
    """Whether a model name is a factory's import path (``module:attribute``)."""
    return isinstance(name, str) and ":" in name


def load_factory(spec: str):
    """The callable ``spec`` names: ``package.module:attribute`` or ``file.py:attribute``
    (or a factory registered by ``factory_name``)."""
    if spec in _REGISTERED:
        return _REGISTERED[spec]
    where, _, attribute = spec.rpartition(":")
    if not where or not attribute:
        raise AugmentlabError(f"model {spec!r}: expected package.module:factory or path/to/file.py:factory", field="model")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise AugmentlabError(f"model {spec!r}: no such file {where}", field="model")
        name = f"augmentlab_user_model_{abs(hash(str(path.resolve())))}"
        module = sys.modules.get(name)
        if module is None:
            loader = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(loader)
            try:
                loader.loader.exec_module(module)
            except Exception as e:  # noqa: BLE001 - the user's file: report it in one line
                raise AugmentlabError(f"model {spec!r}: importing {where} failed ({type(e).__name__}: {str(e)[:120]})",
                                      field="model") from None
            sys.modules[name] = module
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as e:
            raise AugmentlabError(f"model {spec!r}: no module {e.name!r} on PYTHONPATH (or give path/to/file.py:factory)",
                                  field="model") from None
        except Exception as e:  # noqa: BLE001 - the user's module: report it in one line
            raise AugmentlabError(f"model {spec!r}: importing {where} failed ({type(e).__name__}: {str(e)[:120]})",
                                  field="model") from None
    factory = getattr(module, attribute, None)
    if factory is None or not callable(factory):
        raise AugmentlabError(f"model {spec!r}: {where} has no callable {attribute!r}", field="model")
    return factory


def build_user_model(spec: str, shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """``factory(shape, num_classes)``, checked to be a module."""
    try:
        model = load_factory(spec)(tuple(shape), num_classes)
    except AugmentlabError:
        raise
    except Exception as e:  # noqa: BLE001 - the user's factory: report it in one line
        raise AugmentlabError(f"model {spec!r}: the factory raised {type(e).__name__}: {str(e)[:120]}", field="model") from None
    if not isinstance(model, nn.Module):
        raise AugmentlabError(f"model {spec!r}: the factory returned {type(model).__name__}; expected a torch.nn.Module",
                              field="model")
    return model


@torch.no_grad()
def check_user_model(spec: str, shape: tuple[int, ...], num_classes: int, sample: torch.Tensor | None = None) -> None:
    """Build the model once and run two samples through it (``sample``: one of the data's),
    refusing logits that are not ``(2, num_classes)``."""
    from augmentlab.train.trainer import model_input

    model = build_user_model(spec, shape, num_classes)
    x = sample.unsqueeze(0).repeat(2, *([1] * len(shape))) if sample is not None else torch.zeros((2, *shape))
    model.eval()
    try:
        out = model(model_input(model, x))
    except Exception as e:  # noqa: BLE001 - the user's forward: report it in one line
        raise AugmentlabError(f"model {spec!r}: a batch of {tuple(x.shape)} fails in forward ({type(e).__name__}: "
                              f"{str(e).splitlines()[0][:120]})", field="model") from None
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, num_classes):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise AugmentlabError(f"model {spec!r}: returns {got} for a batch of 2; expected logits of shape (2, {num_classes}), "
                              f"one per class", field="model")


def load_weights(model: nn.Module, path: str) -> nn.Module:
    """``model`` with the safetensors weights at ``path`` (every tensor must fit)."""
    from safetensors.torch import load_file

    try:
        state = load_file(path)
    except FileNotFoundError:
        raise AugmentlabError(f"weights {path}: no such file", field="weights") from None
    except Exception as e:  # noqa: BLE001 - any parse failure: not a safetensors file
        raise AugmentlabError(f"weights {path}: not a safetensors file ({type(e).__name__})", field="weights") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise AugmentlabError(f"weights {path}: do not fit the model ({str(e).splitlines()[0][:160]})", field="weights") from None
    return model
