"""Audio previews: a PNG grid of log-mel spectrograms (one row per original clip, the
original first, then its draws), and the clips themselves as WAV files beside it, to
listen to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path
from augmentlab.rng import torch_generator

SPECTROGRAM_CELL = 220  # pixels per spectrogram, about (each is 40 bands by 100 frames a second)


def preview_clips(ds: Dataset, policy, seed: int, rows: int, draws: int) -> dict:
    """``rows`` originals (one per class where possible) and ``draws`` augmentations of each."""
    from augmentlab.preview import one_per_class

    g = torch_generator(seed)
    picks = one_per_class(ds, rows, seed)
    x = ds.data[picks]
    with ds.kind.context(ds.layout):
        columns = [x] + [policy(x, g) for _ in range(draws)]
    labels = [ds.class_names[int(ds.labels[i])] for i in picks]
    return {"columns": columns, "labels": labels, "rate": ds.layout.sample_rate}


def spectrogram_grid(clips: dict, cell: int = SPECTROGRAM_CELL) -> np.ndarray:
    """The clips' log-mel spectrograms (first channel) as one RGB grid, low frequencies at
    the bottom, on one colour scale for the whole grid so loudness compares across cells."""
    from matplotlib import colormaps

    from augmentlab.preview import tile
    from augmentlab.train.audio_models import LogMel

    front = LogMel(clips["rate"])
    with torch.no_grad():
        feats = [front(c[:, :1].float())[:, 0].flip(1) for c in clips["columns"]]  # (rows, bands, frames)
    low, high = min(float(f.quantile(0.02)) for f in feats), max(float(f.max()) for f in feats)
    cmap = colormaps["magma"]
    images = []
    for f in feats:
        scaled = ((f - low) / max(high - low, 1e-6)).clamp(0, 1).numpy()
        rgb = (cmap(scaled)[..., :3] * 255).round().astype(np.uint8)  # (rows, bands, frames, 3)
        images.append(torch.from_numpy(rgb).permute(0, 3, 1, 2).contiguous())
    return tile(images, cell)


def wav_folder(out: Path) -> Path:
    """Where the clips of a preview written to ``out`` go: ``<name>-wav`` beside it."""
    return out.with_name(out.stem + "-wav")


class SpectrogramPreview:
    """Audio: a PNG grid of spectrograms, and the clips as WAV files in a folder beside it."""

    draws = 4
    suffix = ".png"
    default_out: Path | None = Path("preview.png")
    suffix_error = "expected a .png file name (the clips go to a -wav folder beside it)"

    def make(self, ds: Dataset, policy, seed: int, rows: int, draws: int) -> dict:
        return preview_clips(ds, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        pass  # looked at in its file, and listened to

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        from augmentlab.data.audio import soundfile
        from augmentlab.preview import save_png

        folder = wav_folder(Path(out))
        if folder.exists() and not replace:
            raise AugmentlabError(f"{folder} exists; the preview writes its clips there. Move it, or pass overwrite", field="out")
        sf = soundfile()
        with atomic_path(folder, directory=True, replace=True) as tmp:
            for j, column in enumerate(shown["columns"]):
                for i, clip in enumerate(column.clamp(-1, 1).numpy()):
                    name = f"row{i + 1}_{shown['labels'][i]}_{'original' if j == 0 else f'draw{j}'}.wav"
                    sf.write(str(tmp / name), clip.T, shown["rate"], subtype="PCM_16")
        save_png(spectrogram_grid(shown), out, replace=replace)

    def for_report(self, ds: Dataset, policy):
        return "figure", spectrogram_grid(preview_clips(ds, policy, seed=0, rows=4, draws=3))
