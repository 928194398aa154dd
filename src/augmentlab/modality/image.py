"""Images: ``(N, C, H, W)`` tensors, uint8 in [0, 255] or float in [0, 1], C = 1 or 3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality
from augmentlab.outputs import FILE_SUFFIXES


def to_float(x: torch.Tensor) -> torch.Tensor:
    """Images as float32 in [0, 1] (uint8 is scaled; floats are assumed in [0, 1])."""
    return x.float() / 255.0 if x.dtype == torch.uint8 else x.float()


def from_float(y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Back to ``like``'s dtype, clamped to the image range [0, 1] (rounded for uint8)."""
    y = y.clamp(0.0, 1.0)
    if like.dtype == torch.uint8:
        return (y * 255.0).round_().to(torch.uint8)
    return y.to(like.dtype)

if TYPE_CHECKING:
    from augmentlab.data.read_options import ReadOptions


class ImageModality(Modality):
    name = "image"
    noun = "images"
    training = "batches"
    preview = "grid"
    models = ("cnn", "mlp", "resnet")
    baselines = {"randaugment": "rand-n2-m0.9", "trivialaugment": "trivial"}
    default_space = {"kind": "rand"}
    features = frozenset({"adaptive", "synthetic", "rungs", "generators"})
    formats = ("npz", "folder")
    folder_formats = frozenset({"folder"})
    batch_formats = frozenset({"npz", "folder"})
    files = ".npz, a folder of IDX files, an image folder"

    to_float = staticmethod(to_float)
    from_float = staticmethod(from_float)

    def check_data(self, data) -> None:
        if not isinstance(data, torch.Tensor) or data.ndim != 4:
            raise AugmentlabError(f"image data must be (N, C, H, W); got shape {tuple(getattr(data, 'shape', ()))}")

    def default_model(self, shape: tuple[int, ...]) -> str:
        """``mlp`` for tiny images (up to 12 px, e.g. digits), ``cnn`` up to 64 px, else ``resnet``."""
        side = max(shape[-2:])
        return "mlp" if side <= 12 else ("cnn" if side <= 64 else "resnet")

    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        if path.is_file():
            return int(path.suffix == ".npz" or ("idx" in path.name and "ubyte" in path.name))
        return 1  # a folder of IDX files or of class subfolders; the reader tells which

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.folder import read_image_folder
        from augmentlab.data.idx import find_idx_pair, read_idx_dataset
        from augmentlab.data.npz import read_npz

        if path.is_file() and path.suffix == ".npz":
            return read_npz(path)
        pair = find_idx_pair(path.parent if path.is_file() else path)
        if pair is not None:
            return read_idx_dataset(*pair)
        if path.is_file():
            raise AugmentlabError(f"{path}: expected an IDX images file (*idx3-ubyte) and a labels file (*idx1-ubyte) beside it")
        return read_image_folder(path, on_mixed_sizes=options.mixed_sizes)

    def output_format(self, ds, out: Path) -> str:
        """``npz`` for a .npz name; ``folder`` for an image folder's output with no file
        suffix. A name that does not fit is refused rather than written misleadingly."""
        suffix = Path(out).suffix.lower()
        if suffix == ".npz":
            return "npz"
        if ds.source_format == "folder" and suffix not in FILE_SUFFIXES:
            return "folder"
        hint = "a .npz file or a folder name" if ds.source_format == "folder" else "a .npz file name"
        raise AugmentlabError(f"out {out}: images are written as {hint}", field="out")

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.folder import write_image_folder
        from augmentlab.data.npz import write_npz

        {"npz": write_npz, "folder": write_image_folder}[fmt](path, ds)

    def batch_writer(self, path: Path, ds, fmt: str, total: int):
        from augmentlab.data.folder import ImageFolderWriter
        from augmentlab.data.npz import NpzBatchWriter

        return {"npz": NpzBatchWriter, "folder": ImageFolderWriter}[fmt](path, ds, total)
