"""What the contract tests sweep: for every registered modality, a fixture that makes
batches and compares them, and the ops of that modality. A new modality adds its fixture
here (a test fails until it does); a new op is swept the day it registers."""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from augmentlab.ops.batch import is_batch_op
from augmentlab.ops.registry import op_class, op_classes
from augmentlab.ops.text.base import as_text_batch


def _works_on(cls, kind: str) -> bool:
    return cls.modality in (kind, "any") or (isinstance(cls.modality, tuple) and kind in cls.modality)


def _ops_of(kind: str) -> list[str]:
    return sorted(c.name for c in op_classes() if _works_on(c, kind) and not is_batch_op(c))


IMAGE_OPS = _ops_of("image")
AUDIO_OPS = _ops_of("audio")
SERIES_OPS = _ops_of("series")
TABLE_OPS = _ops_of("table")
# model-based text ops need a model to run; tests/ops/test_text_models.py builds tiny ones
TEXT_OPS = sorted(c.name for c in op_classes() if c.modality == "text" and c.family != "model")
BATCH_OPS = sorted({c.name for c in op_classes() if is_batch_op(c)})
PRESETS = ("rand-n2-m0.5", "trivial", "autoaugment-cifar10", "autoaugment-svhn", "augmix-m0.3-w2-d2")


def _images(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (6, 3, 24, 20), generator=g, dtype=torch.uint8)


_WORDS = "the movie was a wonderful surprise full of heart and good humour slow boring plot with terrible acting".split()


def _sentences(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return as_text_batch([" ".join(rng.choice(_WORDS, size=rng.integers(1, 14))) for _ in range(5)] + [""])


def _clips(seed: int) -> torch.Tensor:
    """Five half-second clips at 16 kHz: tones, noise and a silent one, in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(8000) / 16000.0
    tones = [0.5 * torch.sin(2 * torch.pi * f * t) for f in (220.0, 880.0, 3000.0)]
    noise = (torch.randn(8000, generator=g) * 0.3).clamp(-1, 1)
    return torch.stack(tones + [noise, torch.zeros(8000)]).unsqueeze(1)


def _log_mels(seed: int) -> torch.Tensor:
    """What SpecAugment's ops see: (B, C, 40 bands, 101 frames) log-mel features."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(4, 1, 40, 101, generator=g) * 3.0 - 5.0


def _noise_folder() -> str:
    """A folder of two short noise recordings for background_noise (made once per session)."""
    import soundfile as sf

    folder = Path(tempfile.mkdtemp(prefix="augmentlab-noise-"))
    rng = np.random.default_rng(0)
    for i, rate in enumerate((16000, 8000)):
        sf.write(str(folder / f"noise{i}.wav"), (rng.standard_normal(rate // 2) * 0.2).astype(np.float32), rate)
    return str(folder)


def _series(seed: int) -> torch.Tensor:
    """Five 2-channel series of 40 steps: a sine, noise, a constant, large values, and one
    that ends after 25 steps (NaN after its length, as datasets pad)."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(40, dtype=torch.float32) / 40
    sine = torch.stack([torch.sin(2 * torch.pi * 3 * t), torch.cos(2 * torch.pi * t)])
    noise = torch.randn(2, 40, generator=g)
    x = torch.stack([sine, noise, torch.full((2, 40), 0.5), 1e3 * sine + 50, torch.randn(2, 40, generator=g)])
    x[4, :, 25:] = float("nan")
    return x


def _rows(seed: int):
    """Six rows of two numeric columns (one with a missing value, one constant) and a
    categorical and a boolean column (one missing), two classes, the ops' facts fitted on them."""
    from augmentlab.data.table_batch import TableBatch, TableSchema
    from augmentlab.data.table_file import Column

    rng = np.random.default_rng(seed)
    columns = (Column("amount", "numeric"), Column("kind", "categorical", ("a", "b", "c")), Column("rate", "numeric"),
               Column("flag", "boolean", ("no", "yes")))
    schema = TableSchema(columns, "label", ("amount", "kind", "rate", "flag", "label"), "rows")
    numeric = np.stack([rng.normal(100, 30, 6), np.full(6, 0.25)], 1)
    numeric[2, 0] = np.nan
    codes = np.stack([rng.integers(0, 3, 6), rng.integers(0, 2, 6)], 1)
    codes[4, 1] = -1
    return TableBatch(numeric, codes, np.array([0, 1, 0, 0, 1, 0]), schema).fitted()


def _close(a, b) -> bool:
    # FFT-based ops may differ in the last float bits between batch sizes
    return a.dtype == b.dtype and a.shape == b.shape and torch.allclose(a, b, atol=2e-6, rtol=0)


def _series_close(a, b) -> bool:
    # the same NaN padding, values equal up to float rounding between batch sizes
    return a.dtype == b.dtype and a.shape == b.shape and torch.allclose(a, b, atol=1e-4, rtol=1e-5, equal_nan=True)


@dataclass(frozen=True)
class ModalityFixture:
    """How the contract makes and compares batches of one modality."""

    kind: str
    batch: Callable[[int], object]  # seed -> a batch with a few samples
    equal: Callable[[object, object], bool]
    ops: list[str]  # the ops that run without extra set-up (models, labels)
    features: Callable[[int], object] | None = None  # seed -> what ops with stage "features" take
    args: dict = field(default_factory=dict)  # op -> the arguments it needs (a folder of noise)

    def batch_for(self, name: str, seed: int):
        return self.features(seed) if op_class(name, self.kind).stage == "features" else self.batch(seed)


FIXTURES = {
    "image": ModalityFixture("image", _images, lambda a, b: a.dtype == b.dtype and torch.equal(a, b), IMAGE_OPS),
    "text": ModalityFixture("text", _sentences, lambda a, b: a.dtype == b.dtype and list(a) == list(b), TEXT_OPS),
    "audio": ModalityFixture("audio", _clips, _close, AUDIO_OPS, features=_log_mels,
                             args={"background_noise": {"folder": _noise_folder()}}),
    "series": ModalityFixture("series", _series, _series_close, SERIES_OPS),
    "table": ModalityFixture("table", _rows, lambda a, b: a.same_rows(b), TABLE_OPS),
}
CASES = [(kind, name) for kind, fixture in FIXTURES.items() for name in fixture.ops]
