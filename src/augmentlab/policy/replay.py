"""Applied parameters as JSON and back, exactly: every value is stored with its dtype and
shape, and floats keep their full precision (JSON floats round-trip float64)."""

from __future__ import annotations

from typing import Any

import torch

_DTYPES = {str(d): d for d in (torch.bool, torch.uint8, torch.int32, torch.int64, torch.float32, torch.float64)}


def params_to_json(tree: Any) -> Any:
    if isinstance(tree, torch.Tensor):
        t = tree.detach().cpu()
        return {"dtype": str(t.dtype), "shape": list(t.shape), "data": t.reshape(-1).tolist()}
    if isinstance(tree, dict):
        return {k: params_to_json(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [params_to_json(v) for v in tree]
    raise TypeError(f"cannot serialise {type(tree).__name__} in parameters")


def params_from_json(data: Any) -> Any:
    if isinstance(data, dict) and set(data) == {"dtype", "shape", "data"}:
        if data["dtype"] not in _DTYPES:
            raise ValueError(f"unsupported dtype {data['dtype']!r} in parameters")
        return torch.tensor(data["data"], dtype=_DTYPES[data["dtype"]]).reshape(data["shape"])
    if isinstance(data, dict):
        return {k: params_from_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [params_from_json(v) for v in data]
    raise ValueError(f"unexpected {type(data).__name__} in parameters")
