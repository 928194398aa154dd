"""``.npz`` image sets: ``images`` (N×H×W or N×H×W×C, uint8) and ``labels``, with ``x``/``y``
accepted as aliases and an optional ``class_names`` array. Loaded without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError


def read_npz(path: str | Path) -> Dataset:
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise AugmentlabError(f"{path}: cannot read ({e.strerror})") from None
    if magic[:2] != b"PK":  # numpy would take anything else for a pickle
        raise AugmentlabError(f"{path}: not a .npz file (not a zip archive of arrays); expected arrays 'images' and 'labels'")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as e:
        raise AugmentlabError(f"{path}: refused to load ({e}); object arrays are not accepted") from None
    except Exception as e:  # zipfile/OSError: a corrupt file
        raise AugmentlabError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})") from None
    images = arrays.get("images", arrays.get("x"))
    labels = arrays.get("labels", arrays.get("y"))
    if images is None or labels is None:
        raise AugmentlabError(f"{path}: expected arrays 'images' and 'labels' (or 'x' and 'y'); found {sorted(arrays)}")
    names = arrays.get("class_names")
    if names is not None:
        if names.ndim != 1 or names.dtype.kind not in "US":
            raise AugmentlabError(f"{path}: class_names must be a 1-D array of strings; got {names.dtype} of shape {names.shape}")
        names = tuple(str(n) for n in names)
    return Dataset.from_images(images, labels, names, "npz", where=str(path))


def write_npz(path: str | Path, ds: Dataset) -> None:
    with open(path, "wb") as f:
        np.savez_compressed(
            f,
            images=ds.images_hwc(),
            labels=ds.labels.numpy(),
            class_names=np.array(ds.class_names, dtype=np.str_),
        )
