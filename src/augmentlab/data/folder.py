"""Image folders: one subfolder per class holding PNG/JPEG files.

Mixed sizes are resized to the most common size or rejected, as the caller chooses.
Decompression bombs are refused, and class names are sanitised before they become paths.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# Refuse images larger than this many pixels (about 8k x 8k): a guard against bombs.
MAX_PIXELS = 64_000_000


def safe_name(name: str) -> str:
    """A class name as a single safe path component: no separators, no '..', no control
    characters, no leading dot."""
    cleaned = re.sub(r"[^\w\-. ]", "_", name).strip(" .")
    return cleaned or "class"


def _decode(path: Path, mode: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise AugmentlabError(f"{path}: image of {im.width}x{im.height} pixels exceeds the {MAX_PIXELS} pixel limit")
                return np.asarray(im.convert(mode))
    except AugmentlabError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AugmentlabError(f"{path}: refused, looks like a decompression bomb") from None
    except Exception as e:
        raise AugmentlabError(f"{path}: not a readable PNG/JPEG image ({type(e).__name__})") from None


def read_image_folder(root: str | Path, on_mixed_sizes: str = "resize") -> Dataset:
    """Read ``root/<class>/<image>``. ``on_mixed_sizes`` is ``"resize"`` (to the most common
    size, bilinear) or ``"reject"``."""
    root = Path(root)
    if on_mixed_sizes not in ("resize", "reject"):
        raise AugmentlabError(f"on_mixed_sizes must be 'resize' or 'reject'; got {on_mixed_sizes!r}")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
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
    # Grey if every file is single-channel, else RGB; decide after a cheap header pass.
    modes = set()
    for p, _ in files:
        try:
            with Image.open(p) as im:
                modes.add("L" if im.mode in ("1", "L", "I;16", "I") else "RGB")
        except Exception:
            raise AugmentlabError(f"{p}: not a readable PNG/JPEG image") from None
    mode = "L" if modes == {"L"} else "RGB"
    images = [_decode(p, mode) for p, _ in files]
    sizes = Counter(im.shape[:2] for im in images)
    target = sizes.most_common(1)[0][0]
    if len(sizes) > 1:
        if on_mixed_sizes == "reject":
            odd = next(p for (p, _), im in zip(files, images) if im.shape[:2] != target)
            raise AugmentlabError(f"{odd}: size differs from the common {target[1]}x{target[0]}; use resize to accept mixed sizes")
        images = [
            im if im.shape[:2] == target else np.asarray(Image.fromarray(im).resize((target[1], target[0]), Image.BILINEAR))
            for im in images
        ]
    labels = np.array([label for _, label in files], dtype=np.int64)
    return Dataset.from_images(np.stack(images), labels, tuple(d.name for d in class_dirs), "folder", where=str(root))


def write_image_folder(root: str | Path, ds: Dataset) -> None:
    """Write PNGs into ``root/<safe class name>/<index>.png``."""
    root = Path(root)
    names = [safe_name(n) for n in ds.class_names]
    if len(set(names)) != len(names):  # sanitising must not merge classes
        names = [f"{i:03d}_{n}" for i, n in enumerate(names)]
    for n in names:
        (root / n).mkdir(parents=True, exist_ok=True)
    images = ds.images_hwc()
    width = len(str(len(ds)))
    for i, (im, label) in enumerate(zip(images, ds.labels.tolist())):
        Image.fromarray(im).save(root / names[label] / f"{i:0{width}d}.png")
