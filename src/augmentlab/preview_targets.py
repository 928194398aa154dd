"""Previews of images with targets: originals next to augmented draws, each with its boxes
(labelled), its masks (a colour per class, ignore pixels hatched grey) and its keypoints
(hidden ones hollow) drawn over it, so a user sees that the targets moved with the pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from augmentlab.data.annotated import AnnotatedImages
from augmentlab.data.targets import Targets
from augmentlab.policy.targets import augment_with_targets
from augmentlab.rng import torch_generator

# a qualitative palette (tab10-like); class k gets PALETTE[k % 10]
PALETTE = np.array([(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)], np.uint8)


def draw_targets(image: torch.Tensor, targets: Targets, index: int, class_names: tuple[str, ...], scale: int = 1) -> Image.Image:
    """One (C, H, W) uint8 image with image ``index``'s targets drawn over it, enlarged
    ``scale`` times (nearest neighbour) so thin boxes stay visible on small images."""
    hwc = image.permute(1, 2, 0).numpy()
    rgb = np.repeat(hwc, 3, -1) if hwc.shape[-1] == 1 else hwc.copy()
    if targets.mask is not None:
        values = targets.mask.values[index].numpy()
        labelled = (values != targets.mask.ignore) & (values != 0)
        colours = PALETTE[(values.astype(np.int64) - 1) % len(PALETTE)]
        rgb = np.where(labelled[..., None], (0.5 * rgb + 0.5 * colours).astype(np.uint8), rgb)
        ignored = (values == targets.mask.ignore) & ((np.indices(values.shape).sum(0) % 4) == 0)
        rgb[ignored] = 160
    picture = Image.fromarray(rgb).resize((rgb.shape[1] * scale, rgb.shape[0] * scale), Image.NEAREST)
    pen = ImageDraw.Draw(picture)
    boxes = targets.boxes
    if boxes is not None:
        for row in range(int(boxes.offsets[index]), int(boxes.offsets[index + 1])):
            label = int(boxes.labels[row])
            colour = tuple(int(v) for v in PALETTE[label % len(PALETTE)])
            x1, y1, x2, y2 = (v * scale for v in boxes.xyxy[row].tolist())
            pen.rectangle([x1, y1, max(x1, x2 - 1), max(y1, y2 - 1)], outline=colour)
            pen.text((x1 + 1, y1), class_names[label] if label < len(class_names) else str(label), fill=colour)
    points = targets.keypoints
    if points is not None:
        for row in range(int(points.offsets[index]), int(points.offsets[index + 1])):
            x, y = ((v + 0.5) * scale for v in points.xy[row].tolist())
            r = max(2, scale)
            shape = [x - r, y - r, x + r, y + r]
            pen.ellipse(shape, fill=(255, 255, 0)) if bool(points.visible[row]) else pen.ellipse(shape, outline=(255, 255, 0))
    return picture


def preview_targets(data: AnnotatedImages, policy, seed: int, rows: int = 4, draws: int = 5, pad: int = 2) -> np.ndarray:
    """An RGB uint8 grid: ``rows`` originals (the first images) with ``draws`` augmented
    versions each, every one with its targets drawn."""
    g = torch_generator(seed)
    picks = torch.arange(min(rows, len(data)))
    part = data.subset(picks)
    columns = [(part.images, part.targets)]
    for _ in range(draws):
        images, targets, _ = augment_with_targets(policy, part.images, part.targets, g)
        columns.append((images, targets))
    H, W = data.images.shape[-2:]
    scale = max(1, 128 // max(H, W))
    cell_h, cell_w = H * scale, W * scale
    grid = np.full((len(picks) * (cell_h + pad) + pad, len(columns) * (cell_w + pad) + pad, 3), 255, np.uint8)
    for c, (images, targets) in enumerate(columns):
        for r in range(len(picks)):
            tile = np.asarray(draw_targets(images[r], targets, r, data.class_names, scale))
            y, x = pad + r * (cell_h + pad), pad + c * (cell_w + pad)
            grid[y : y + cell_h, x : x + cell_w] = tile
    return grid


class TargetsPreview:
    """Annotated images: a PNG grid of originals and draws, their targets drawn over them."""

    draws = 5
    suffix = ".png"
    default_out: Path | None = Path("preview.png")
    suffix_error = "expected a .png file name"

    def make(self, ds, policy, seed: int, rows: int, draws: int) -> np.ndarray:
        return preview_targets(ds.data, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        pass  # looked at in its file

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        from augmentlab.preview import save_png

        save_png(shown, out, replace=replace)

    def for_report(self, ds, policy):
        return "figure", preview_targets(ds.data, policy, seed=0)
