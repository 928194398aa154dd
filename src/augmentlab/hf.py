"""augmentlab with Hugging Face ``datasets``: a transform for ``ds.with_transform`` (on the
fly, a new draw every epoch) and a function for ``ds.map(..., batched=True,
with_indices=True)`` (augmented copies written once). Each example's draws come from a
stream derived from the pipeline seed, the epoch and the example's index
(``policy/indexed.py``), so results do not depend on batch size or process count
(``num_proc``). ``datasets`` is the ``hf`` extra.

    from augmentlab.hf import map_function, on_the_fly
    train = on_the_fly(ds["train"], "hflip+affine(m=0.3)", seed=0, epoch=epoch)    # images: PIL or arrays
    copies = ds["train"].map(map_function("eda(m=0.1)", seed=0, column="sentence", modality="text"),
                             batched=True, with_indices=True)
"""

from __future__ import annotations

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.policy.indexed import sample_by_index

INDEX = "__augmentlab_index__"  # the column on_the_fly adds so the transform knows each example's index


def _policy(policy, modality: str):
    from augmentlab.torch import as_policy, training_parts

    samples, batch_ops = training_parts(as_policy(policy, modality))
    if batch_ops:
        raise AugmentlabError(f"{', '.join(op.name for op in batch_ops)} mix whole batches; apply them in the training loop "
                              "(augmentlab.torch.BatchAugment)")
    return samples


def _to_tensor(value) -> tuple[torch.Tensor, str]:
    """An image (PIL, (H, W[, C]) array or (C, H, W) tensor) as (C, H, W), and its kind."""
    if isinstance(value, torch.Tensor):
        return value, "tensor"
    kind = "array" if isinstance(value, np.ndarray) else "pil"
    array = np.asarray(value)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.dtype != np.uint8:
        raise AugmentlabError(f"image column: expected uint8 images (H, W) or (H, W, C); got {array.dtype} {array.shape}")
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))), kind


def _from_tensor(x: torch.Tensor, kind: str, like):
    if kind == "tensor":
        return x
    array = x.permute(1, 2, 0).numpy()
    array = array[:, :, 0] if array.shape[2] == 1 and np.asarray(like).ndim == 2 else array
    if kind == "array":
        return array
    from PIL import Image

    return Image.fromarray(array, mode=getattr(like, "mode", None))


def augment_examples(values: list, indices, policy, seed: int, epoch: int) -> list:
    """``values`` (one column of a batch) augmented, example ``indices[k]`` by its own
    stream: strings as one text batch, images one by one."""
    if values and all(isinstance(v, str) for v in values):
        from augmentlab.ops.text.base import as_text_batch

        texts = as_text_batch(values)
        return list(policy.apply(texts, sample_by_index(policy, seed, indices, (), epoch)))
    out = []
    for value, index in zip(values, indices):  # examples may differ in size: one at a time
        x, kind = _to_tensor(value)
        params = sample_by_index(policy, seed, [index], tuple(x.shape), epoch)
        out.append(_from_tensor(policy.apply(x.unsqueeze(0), params)[0], kind, value))
    return out


def map_function(policy, seed: int = 0, column: str = "image", modality: str = "image", epoch: int = 0):
    """For ``ds.map(fn, batched=True, with_indices=True)``: the column augmented in place."""
    samples = _policy(policy, modality)

    def augment(batch: dict, indices: list[int]) -> dict:
        if column not in batch:
            raise AugmentlabError(f"column {column!r} is not in the dataset; it has {', '.join(batch)}")
        return {column: augment_examples(list(batch[column]), indices, samples, seed, epoch)}

    return augment


def on_the_fly(ds, policy, seed: int = 0, column: str = "image", modality: str = "image", epoch: int = 0):
    """``ds`` with the column augmented whenever an example is read (``with_transform``);
    pass each epoch's number for that epoch's draws."""
    samples = _policy(policy, modality)
    if INDEX not in ds.column_names:
        ds = ds.add_column(INDEX, list(range(len(ds))))

    def transform(batch: dict) -> dict:
        indices = batch.pop(INDEX)
        batch[column] = augment_examples(list(batch[column]), indices, samples, seed, epoch)
        return batch

    return ds.with_transform(transform)
