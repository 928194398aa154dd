"""Series previews: one panel per original series (and per channel, up to three), the
original drawn thick in black and its augmented draws overlaid in colour, each over its
own length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.rng import torch_generator

MAX_CHANNELS = 3  # panels per row: the first channels of multichannel series


def preview_series(ds: Dataset, policy, seed: int, rows: int, draws: int) -> dict:
    """``rows`` originals (one per class where possible) and ``draws`` augmentations of each."""
    from augmentlab.preview import one_per_class

    g = torch_generator(seed)
    picks = one_per_class(ds, rows, seed)
    x = ds.data[picks]
    return {"original": x, "draws": [policy(x, g) for _ in range(draws)],
            "labels": [ds.class_names[int(ds.labels[i])] for i in picks]}


def series_figure(shown: dict) -> np.ndarray:
    """The panels as one RGB uint8 image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = shown["original"]
    rows, channels = x.shape[0], min(x.shape[1], MAX_CHANNELS)
    fig, axes = plt.subplots(rows, channels, figsize=(4.2 * channels, 1.6 * rows), squeeze=False, sharex=True)
    colours = plt.get_cmap("tab10")
    for i in range(rows):
        for c in range(channels):
            ax = axes[i][c]
            for k, draw in enumerate(shown["draws"]):
                ax.plot(_steps(draw[i, c]), color=colours(k % 10), linewidth=0.9, alpha=0.75)
            ax.plot(_steps(x[i, c]), color="black", linewidth=1.8)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel(shown["labels"][i], fontsize=8)
            if i == 0 and x.shape[1] > 1:
                ax.set_title(f"channel {c + 1}", fontsize=8)
    fig.suptitle(f"originals (black) and {len(shown['draws'])} draws", fontsize=9)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image


def _steps(values: torch.Tensor) -> np.ndarray:
    """One channel's values up to its series' length (the NaN padding left off)."""
    v = values.float().numpy()
    kept = np.flatnonzero(~np.isnan(v))
    return v[: kept[-1] + 1] if len(kept) else v[:0]


class SeriesPreview:
    """Series: a PNG of line plots, the draws over each original."""

    draws = 4
    suffix = ".png"
    default_out: Path | None = Path("preview.png")
    suffix_error = "expected a .png file name"

    def make(self, ds: Dataset, policy, seed: int, rows: int, draws: int) -> dict:
        return preview_series(ds, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        pass  # looked at in its file

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        from augmentlab.preview import save_png

        save_png(series_figure(shown), out, replace=replace)

    def for_report(self, ds: Dataset, policy):
        return "figure", series_figure(preview_series(ds, policy, seed=0, rows=4, draws=3))
