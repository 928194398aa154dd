"""``.npz`` image sets: ``images`` (N×H×W or N×H×W×C, uint8) and ``labels``, with ``x``/``y``
accepted as aliases and an optional ``class_names`` array. Loaded without pickle.

Written by ``NpzWriter``, which streams the images into their zip member as they come
(nothing but one block in memory) and stamps every member with one fixed time, so equal
arrays give equal files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from augmentlab.data.dataset import Dataset
from augmentlab.data.mapped import map_npz_member
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
            # uncompressed images are mapped, not read (``mapped``); the rest is read
            arrays = {k: _mapped_or_read(path, z, k) for k in z.files}
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


def _mapped_or_read(path: Path, z, key: str) -> np.ndarray:
    if key in ("images", "x"):
        mapped = map_npz_member(path, z.zip, f"{key}.npy")
        if mapped is not None:
            return mapped
    return z[key]


FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no clock in the bytes


class NpzWriter:
    """An ``.npz`` of ``shape`` images (N×H×W or N×H×W×C uint8) written in blocks through
    ``write(images, labels)``; the labels (and ``class_names``, when given) follow the
    images at ``close()``, once all N have arrived. ``compression``: a zipfile constant."""

    def __init__(self, path: str | Path, shape: tuple[int, ...], compression: int = zipfile.ZIP_DEFLATED,
                 class_names: tuple[str, ...] | None = None):
        self.path, self.shape, self.compression, self.class_names = Path(path), tuple(shape), compression, class_names
        self.labels: list[np.ndarray] = []
        self.written = 0
        self.zip = zipfile.ZipFile(self.path, "w", compression=compression)
        self.images = self.zip.open(self._info("images.npy"), "w", force_zip64=True)
        np.lib.format.write_array_header_1_0(self.images, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                                                           "fortran_order": False, "shape": self.shape})
        self.closed = False

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16  # what numpy's own savez gives its members
        return info

    def write(self, images: np.ndarray, labels: np.ndarray) -> None:
        if images.shape[1:] != self.shape[1:] or images.dtype != np.uint8 or len(labels) != len(images):
            raise ValueError(f"a block of {images.dtype} {images.shape} with {len(labels)} labels does not fit {self.shape} uint8")
        self.images.write(np.ascontiguousarray(images).tobytes())
        self.labels.append(np.asarray(labels, dtype=np.int64))
        self.written += len(images)

    def close(self) -> None:
        """Finish the file; one that did not get all its images is left without labels (the
        caller's temporary, to be discarded)."""
        if self.closed:
            return
        self.closed = True
        self.images.close()
        if self.written == self.shape[0]:
            labels = np.concatenate(self.labels) if self.labels else np.zeros(0, np.int64)
            with self.zip.open(self._info("labels.npy"), "w", force_zip64=True) as f:
                np.lib.format.write_array(f, labels, allow_pickle=False)
            if self.class_names is not None:
                with self.zip.open(self._info("class_names.npy"), "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.array(self.class_names, dtype=np.str_), allow_pickle=False)
        self.zip.close()

    def __enter__(self) -> NpzWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def hwc_shape(n: int, sample: tuple[int, ...]) -> tuple[int, ...]:
    """The file layout of ``n`` images of (C, H, W) ``sample``: N×H×W for one channel."""
    c, h, w = sample
    return (n, h, w) if c == 1 else (n, h, w, c)


def hwc(batch) -> np.ndarray:
    """A (B, C, H, W) uint8 tensor in the file layout (B×H×W for one channel)."""
    arr = batch.permute(0, 2, 3, 1).contiguous().numpy()
    return arr[..., 0] if arr.shape[-1] == 1 else arr


class NpzBatchWriter(NpzWriter):
    """``NpzWriter`` for (B, C, H, W) uint8 tensors with their labels, ``total`` of them
    like ``ds``."""

    def __init__(self, path: str | Path, ds: Dataset, total: int):
        super().__init__(path, hwc_shape(total, tuple(ds.data.shape[1:])), class_names=ds.class_names)

    def write(self, batch, labels) -> None:
        super().write(hwc(batch), np.asarray(labels))


def write_npz(path: str | Path, ds: Dataset) -> None:
    with NpzWriter(path, hwc_shape(len(ds), tuple(ds.data.shape[1:])), class_names=ds.class_names) as w:
        w.write(ds.images_hwc(), ds.labels.numpy())
