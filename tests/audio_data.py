"""Small audio folders made on the fly: tones whose pitch is the class, spoken by
"speakers" that differ in loudness, in FSDD's flat ``{label}_{group}_{index}.wav`` layout
or in class folders."""

from pathlib import Path

import numpy as np
import soundfile as sf

FREQS = {"0": 300.0, "1": 600.0, "2": 1200.0}
SPEAKERS = ("ann", "bob", "cat")


def tone(freq: float, seconds: float, rate: int, amp: float, rng) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t) + rng.normal(0, 0.01, len(t))).astype(np.float32)


def flat_folder(root: Path, per_speaker: int = 4, rate: int = 8000, subtype: str = "PCM_16") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for label, freq in FREQS.items():
        for s, speaker in enumerate(SPEAKERS):
            for i in range(per_speaker):
                seconds = 0.3 + 0.1 * ((i + s) % 4)  # 0.3 to 0.6 s: lengths vary
                sf.write(str(root / f"{label}_{speaker}_{i}.wav"), tone(freq, seconds, rate, 0.2 + 0.2 * s, rng), rate, subtype=subtype)
    return root


def class_folders(root: Path, per_class: int = 5, rate: int = 16000) -> Path:
    rng = np.random.default_rng(1)
    for label, freq in FREQS.items():
        (root / f"class{label}").mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            sf.write(str(root / f"class{label}" / f"{i}.flac"), tone(freq, 0.25, rate, 0.3, rng), rate)
    return root
