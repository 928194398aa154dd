"""Image folders: one subfolder per class holding PNG/JPEG files.

Mixed sizes are resized to the most common size or rejected, as the caller chooses.
Decompression bombs are refused, and class names are sanitised before they become paths.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError, AugmentlabNotice

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# Refuse images larger than this many pixels (about 8k x 8k): a guard against bombs.
MAX_PIXELS = 64_000_000


def safe_name(name: str) -> str:
    """A class name as a single safe path component: no separators, no '..', no control
    characters, no leading dot."""
    cleaned = re.sub(r"[^\w\-. ]", "_", name).strip(" .")
    return cleaned or "class"


GREY_MODES = ("1", "L", "LA", "I;16", "I;16B", "I;16L", "I")
WIDE_MODES = ("I;16", "I;16B", "I;16L", "I")  # 16-bit grey (32-bit "I" holding 16-bit values)


@contextlib.contextmanager
def _opened(path, where=None):
    """The image at ``path`` (a path or a binary file object; ``where`` names it in errors),
    refused with one line when it is not an image or is larger than MAX_PIXELS (checked
    from the header, before any pixel is decoded)."""
    where = path if where is None else where
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise AugmentlabError(f"{where}: image of {im.width}x{im.height} pixels exceeds the {MAX_PIXELS:,} pixel limit")
                if im.width == 0 or im.height == 0:
                    raise AugmentlabError(f"{where}: image of {im.width}x{im.height} pixels; expected at least 1x1")
                yield im
    except AugmentlabError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AugmentlabError(f"{where}: image exceeds the {MAX_PIXELS:,} pixel limit (refused as a possible decompression bomb)") from None
    except Exception as e:
        raise AugmentlabError(f"{where}: not a readable PNG/JPEG image ({type(e).__name__})") from None


def _has_alpha(im: Image.Image) -> bool:
    return "A" in im.getbands() or (im.mode == "P" and "transparency" in im.info)


def _decode(path, mode: str | None, where=None) -> np.ndarray:
    """Pixels as uint8 in ``mode`` (L or RGB; None: L for grey images, else RGB). 16-bit
    grey is scaled to 8 bits; an alpha channel that is fully opaque is dropped, any other is
    refused (flattening it onto a background would invent pixels)."""
    where = path if where is None else where
    with _opened(path, where) as im:
        if mode is None:
            mode = "L" if im.mode in GREY_MODES else "RGB"
        if _has_alpha(im):
            alpha = np.asarray(im.convert("RGBA"))[..., 3]
            if alpha.min() < 255:
                raise AugmentlabError(f"{where}: has transparent pixels; augmentlab reads grey or RGB images. "
                                      "Flatten the alpha channel onto a background first")
        if im.mode in WIDE_MODES:
            wide = np.asarray(im).astype(np.int64)
            if wide.min() < 0 or wide.max() > 65535:
                raise AugmentlabError(f"{where}: {im.mode} pixel values outside 0..65535; expected 8- or 16-bit images")
            grey = ((wide * 255 + 32767) // 65535).astype(np.uint8)  # 16 to 8 bits, rounded
            return grey if mode == "L" else np.repeat(grey[..., None], 3, axis=2)
        return np.asarray(im.convert(mode))


def _class_folders(root: Path) -> list[Path]:
    """The class subfolders; a hidden folder that holds images is refused, since skipping
    it would silently drop them (hidden folders without images, such as .git, are not
    classes)."""
    class_dirs = []
    for p in sorted(root.iterdir()):
        if not p.is_dir():
            continue
        if p.name.startswith("."):
            if any(f.suffix.lower() in IMAGE_SUFFIXES for f in p.iterdir() if f.is_file()):
                raise AugmentlabError(f"{p}: a hidden folder holding images; rename it to make it a class, or move it out of {root}")
            continue
        class_dirs.append(p)
    return class_dirs


def decode_image(source, where) -> np.ndarray:
    """One image file's pixels (``source``: a path or binary file object) as H×W×C uint8,
    C = 1 for grey images and 3 otherwise: what streamed augmentation reads, image by image."""
    pixels = _decode(source, None, where)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def class_files(root: Path) -> tuple[list[Path], list[tuple[Path, int]]]:
    """``(class folders, [(file, label)])`` of an image folder, sorted, every file checked
    to be named as an image."""
    class_dirs = _class_folders(root)
    if not class_dirs:
        raise AugmentlabError(f"{root}: no class subfolders found; expected one folder per class")
    files: list[tuple[Path, int]] = []
    for label, d in enumerate(class_dirs):
        entries = sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
        if not entries:
            raise AugmentlabError(f"{d}: empty class folder; every class needs at least one image")
        for p in entries:
            if p.suffix.lower() not in IMAGE_SUFFIXES:
                raise AugmentlabError(f"{p}: not an image file; expected {', '.join(sorted(IMAGE_SUFFIXES))}")
            files.append((p, label))
    return class_dirs, files


def read_image_folder(root: str | Path, on_mixed_sizes: str = "resize") -> Dataset:
    """Read ``root/<class>/<image>``. ``on_mixed_sizes`` is ``"resize"`` (to the most common
    size, bilinear, with a notice) or ``"reject"``."""
    root = Path(root)
    if on_mixed_sizes not in ("resize", "reject"):
        raise AugmentlabError(f"mixed_sizes must be 'resize' or 'reject'; got {on_mixed_sizes!r}")
    class_dirs, files = class_files(root)
    # Grey if every file is single-channel, else RGB; decide after a cheap header pass.
    grey = []
    for p, _ in files:
        with _opened(p) as im:
            grey.append(im.mode in GREY_MODES)
    mode = "L" if all(grey) else "RGB"
    if mode == "RGB" and any(grey):
        first = next(p for (p, _), g in zip(files, grey) if not g)
        warnings.warn(AugmentlabNotice(f"{root}: {sum(grey)} grey images read as RGB, since {len(grey) - sum(grey)} are colour "
                                       f"(the first: {first.relative_to(root)})"), stacklevel=2)
    images = [_decode(p, mode) for p, _ in files]
    sizes = Counter(im.shape[:2] for im in images)
    target = sizes.most_common(1)[0][0]
    if len(sizes) > 1:
        odd = [p for (p, _), im in zip(files, images) if im.shape[:2] != target]
        if on_mixed_sizes == "reject":
            raise AugmentlabError(f"{odd[0]}: size differs from the common {target[1]}x{target[0]}; use resize to accept mixed sizes")
        warnings.warn(AugmentlabNotice(f"{root}: {len(odd)} images resized to the common {target[1]}x{target[0]} "
                                       f"(the first: {odd[0].relative_to(root)}); --mixed-sizes reject refuses them"), stacklevel=2)
        images = [
            im if im.shape[:2] == target else np.asarray(Image.fromarray(im).resize((target[1], target[0]), Image.BILINEAR))
            for im in images
        ]
    labels = np.array([label for _, label in files], dtype=np.int64)
    return Dataset.from_images(np.stack(images), labels, tuple(d.name for d in class_dirs), "folder", where=str(root))


class ImageFolderWriter:
    """PNGs into ``root/<safe class name>/<index>.png`` for ``total`` images like ``ds``,
    written batch by batch (``write(batch, labels)``, (B, C, H, W) uint8 tensors)."""

    def __init__(self, root: str | Path, ds: Dataset, total: int):
        self.root = Path(root)
        names = [safe_name(n) for n in ds.class_names]
        if len(set(names)) != len(names):  # sanitising must not merge classes
            names = [f"{i:03d}_{n}" for i, n in enumerate(names)]
        for n in names:
            (self.root / n).mkdir(parents=True, exist_ok=True)
        self.names, self.width, self.index = names, len(str(total)), 0

    def write(self, batch, labels) -> None:
        from augmentlab.data.npz import hwc

        for im, label in zip(hwc(batch), np.asarray(labels).tolist()):
            Image.fromarray(im).save(self.root / self.names[label] / f"{self.index:0{self.width}d}.png")
            self.index += 1

    def __enter__(self) -> ImageFolderWriter:
        return self

    def __exit__(self, *exc) -> None:
        pass


def write_image_folder(root: str | Path, ds: Dataset) -> None:
    """Write PNGs into ``root/<safe class name>/<index>.png``."""
    with ImageFolderWriter(root, ds, len(ds)) as w:
        w.write(ds.data, ds.labels)
