"""Take and replace whole samples of a batch: the masked path of every op (the samples an op
applies to go through its kernel, then back into the batch).

On CPU, numpy's first-axis fancy indexing copies each sample as one block; torch's
``index_select`` and ``index_copy`` go element by element. Measured on this project's CPUs
(one thread, half of a batch selected), µs per image of the batch:

============================  ============  ==========  ===========  =========
batch                          index_select  numpy take  index_copy   numpy put
============================  ============  ==========  ===========  =========
64 x 3x224x224 uint8           22            3           146          15
1024 x 3x32x32 uint8           0.11          0.07        3.0          0.21
============================  ============  ==========  ===========  =========

Other devices, dtypes numpy lacks (bfloat16) and tensors that carry gradients stay on
torch's ops, which give the same values."""

from __future__ import annotations

import torch

from augmentlab.ops.kernels.backend import native_cpu


def _numpy_ok(*tensors: torch.Tensor) -> bool:
    return all(native_cpu(t) and t.dtype != torch.bfloat16 and not t.requires_grad for t in tensors)


def take_rows(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``x[idx]`` along the first axis, as a new tensor (``idx``: int64 on any device)."""
    if _numpy_ok(x):
        return torch.from_numpy(x.numpy()[idx.cpu().numpy()])
    return x.index_select(0, idx.to(x.device))


def put_rows(x: torch.Tensor, idx: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """A copy of ``x`` whose samples ``idx`` are ``values`` (cast to ``x``'s dtype);
    ``x`` itself is left untouched."""
    values = values.to(x.dtype)
    if _numpy_ok(x, values) and values.device == x.device:
        out = x.numpy().copy()
        out[idx.cpu().numpy()] = values.numpy()
        return torch.from_numpy(out)
    return x.index_copy(0, idx.to(x.device), values.to(x.device))
