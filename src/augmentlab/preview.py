"""Previews: originals next to several augmented draws, in the style the data's modality
names (``Modality.preview``): a PNG grid for images, a table for text, spectrograms and
WAV files for audio (``preview_audio.py``), line plots for series (``preview_series.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from augmentlab.data.dataset import Dataset
from augmentlab.io_atomic import atomic_path
from augmentlab.rng import torch_generator


def preview_grid(ds: Dataset, policy, seed: int, rows: int = 6, draws: int = 7, cell: int = 64, pad: int = 2) -> np.ndarray:
    """An RGB uint8 grid: ``rows`` originals (one per class where possible) with ``draws``
    augmentations each, every image scaled to ``cell`` pixels (nearest neighbour)."""
    g = torch_generator(seed)
    picks = one_per_class(ds, rows, seed)
    x = ds.data[picks]
    if x.dtype != torch.uint8:
        x = (x.float().clamp(0, 1) * 255).round().to(torch.uint8)
    return tile([x] + [policy(x, g) for _ in range(draws)], cell, pad)


def preview_text(ds: Dataset, policy, seed: int, rows: int = 6, draws: int = 3) -> list[dict]:
    """``rows`` originals (one per class where possible), each with its label and
    ``draws`` augmented versions."""
    g = torch_generator(seed)
    picks = one_per_class(ds, rows, seed)
    x = ds.data[picks]
    versions = [policy(x, g) for _ in range(draws)]
    return [{"label": ds.class_names[int(ds.labels[i])], "original": str(x[k]), "augmented": [str(v[k]) for v in versions]}
            for k, i in enumerate(picks)]


def print_text_preview(rows: list[dict], title: str) -> None:
    """Originals and their augmentations side by side in the terminal, changed words bold."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=True)
    table.add_column("label", no_wrap=True)
    table.add_column("original")
    for k in range(len(rows[0]["augmented"]) if rows else 0):
        table.add_column(f"draw {k + 1}")
    for row in rows:
        before = set(row["original"].split())
        cells = []
        for version in row["augmented"]:
            text = Text()
            for j, word in enumerate(version.split()):
                text.append(("" if j == 0 else " ") + word, style="" if word in before else "bold yellow")
            cells.append(text)
        table.add_row(row["label"], row["original"], *cells)
    Console().print(table)


def tile(columns: list[torch.Tensor], cell: int = 64, pad: int = 2) -> np.ndarray:
    """An RGB uint8 grid with one column per uint8 batch (N, C, H, W), row i holding every
    batch's image i, each scaled to about ``cell`` pixels (nearest neighbour)."""
    C = columns[0].shape[1]
    H, W = columns[0].shape[-2:]
    rows = len(columns[0])
    scale = max(1, cell // max(H, W))
    h, w = H * scale, W * scale
    grid = np.full((rows * (h + pad) + pad, len(columns) * (w + pad) + pad, 3), 255, np.uint8)
    for j, col in enumerate(columns):
        imgs = col.permute(0, 2, 3, 1).numpy()
        for i, im in enumerate(imgs):
            im = np.repeat(np.repeat(im, scale, 0), scale, 1)
            im = np.repeat(im, 3, 2) if C == 1 else im[..., :3]
            y0, x0 = pad + i * (h + pad), pad + j * (w + pad)
            grid[y0 : y0 + h, x0 : x0 + w] = im
    return grid


def one_per_class(ds: Dataset, rows: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    labels = ds.labels.numpy()
    picks = []
    for c in np.unique(labels)[:rows]:
        picks.append(int(rng.choice(np.flatnonzero(labels == c))))
    rest = [i for i in rng.permutation(len(ds))[: rows * 2] if i not in picks]
    return (picks + rest)[: min(rows, len(ds))]


def save_png(grid: np.ndarray, out: str | Path, replace: bool = False) -> None:
    with atomic_path(out, replace=replace) as tmp:
        Image.fromarray(grid).save(tmp, format="PNG")


class GridPreview:
    """Images: a PNG grid, one row per original."""

    draws = 7
    suffix = ".png"
    default_out: Path | None = Path("preview.png")
    suffix_error = "expected a .png file name"

    def make(self, ds: Dataset, policy, seed: int, rows: int, draws: int) -> np.ndarray:
        return preview_grid(ds, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        pass  # a grid is looked at in its file

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        save_png(shown, out, replace=replace)

    def for_report(self, ds: Dataset, policy):
        """``("figure", grid)`` for a report."""
        return "figure", preview_grid(ds, policy, seed=0)


class TablePreview:
    """Text: a table in the terminal (changed words bold), optionally saved as JSON."""

    draws = 3
    suffix = ".json"
    default_out: Path | None = None
    suffix_error = "a text preview is written as .json"

    def make(self, ds: Dataset, policy, seed: int, rows: int, draws: int) -> list[dict]:
        return preview_text(ds, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        print_text_preview(shown, title)

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        with atomic_path(out, replace=replace) as tmp:
            tmp.write_text(json.dumps({**meta, "rows": shown}, indent=2, default=str), encoding="utf-8")

    def for_report(self, ds: Dataset, policy):
        """``("table", (header, rows))`` for a report: originals beside two draws (None for
        no augmentation: the draws would repeat the originals)."""
        if policy.to_spec() == "none":
            return None
        shown = preview_text(ds, policy, seed=0, rows=4, draws=2)
        return "table", (["label", "original", "draw 1", "draw 2"], [[r["label"], r["original"], *r["augmented"]] for r in shown])


def _spectrogram_preview():
    from augmentlab.preview_audio import SpectrogramPreview

    return SpectrogramPreview()


def _targets_preview():
    from augmentlab.preview_targets import TargetsPreview

    return TargetsPreview()


def _series_preview():
    from augmentlab.preview_series import SeriesPreview

    return SeriesPreview()


def _rows_preview():
    from augmentlab.preview_table import RowsPreview

    return RowsPreview()


PREVIEWS = {"grid": GridPreview, "table": TablePreview, "spectrogram": _spectrogram_preview,
            "targets": _targets_preview, "series": _series_preview, "rows": _rows_preview}  # by Modality.preview


def preview_style(ds: Dataset):
    return PREVIEWS[ds.kind.preview]()
