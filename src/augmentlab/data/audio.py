"""Audio folders: WAV and FLAC files (through soundfile), either one subfolder per class or
one flat folder whose file names carry the label and group (``--label-from``).

Clips are resampled to one rate, brought to one channel count, and padded with silence or
cropped (keeping the start) to one duration; the length each clip really had is kept per
clip, so writers never make a clip longer than it was. Waveforms are float32 in [-1, 1],
shaped (N, C, T).
"""

from __future__ import annotations

import math
import struct
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.folder import safe_name
from augmentlab.data.label_pattern import LabelPattern
from augmentlab.data.read_options import ReadOptions
from augmentlab.errors import AugmentlabError, AugmentlabNotice

AUDIO_SUFFIXES = {".wav": "WAV", ".flac": "FLAC"}
COVERED = 0.99  # the default duration holds this share of the clips whole
MAX_SECONDS = 600.0  # a longer clip is refused: the whole set is held in memory


@dataclass(frozen=True)
class AudioLayout:
    """How an audio set was read, so it can be written back the same way."""

    sample_rate: int
    channels: int
    samples: int  # the fixed length every clip is padded or cropped to
    structure: str  # "classes" (a subfolder per class) or "pattern" (a flat folder)
    pattern: str | None = None
    suffix: str = ".wav"
    subtype: str = "PCM_16"


def soundfile():
    try:
        import soundfile as sf
    except ImportError:
        raise AugmentlabError("reading audio needs soundfile: pip install 'augmentlab[audio]'") from None
    return sf


def audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith("."))


def holds_audio(path: Path) -> bool:
    """Whether ``path`` is a folder of audio files, or of class subfolders holding them."""
    if not path.is_dir():
        return False
    if audio_files(path):
        return True
    return any(audio_files(d) for d in path.iterdir() if d.is_dir() and not d.name.startswith("."))


def _wav_truncated(path: Path) -> bool:
    """Whether a RIFF WAV file's data chunk says it holds more bytes than the file has
    (libsndfile reads such a file silently, short)."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return False
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return False
            cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                return f.tell() + length > size
            f.seek(length + (length & 1), 1)


def read_clip(path: Path) -> tuple[np.ndarray, int, str]:
    """``(samples (T, C) float32, sample rate, subtype)``, or one error naming the file."""
    sf = soundfile()
    try:
        info = sf.info(str(path))
        x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as e:
        detail = str(e).split(": ", 1)[-1] if ": " in str(e) else str(e)
        raise AugmentlabError(f"{path}: not a readable {AUDIO_SUFFIXES.get(path.suffix.lower(), 'audio')} file ({detail})") from None
    if path.suffix.lower() == ".wav" and _wav_truncated(path):
        raise AugmentlabError(f"{path}: truncated WAV file (its header promises more samples than the file holds)")
    if len(x) == 0:
        raise AugmentlabError(f"{path}: holds no samples")
    if len(x) > MAX_SECONDS * rate:
        raise AugmentlabError(f"{path}: {len(x) / rate:.0f} s long; clips up to {MAX_SECONDS:.0f} s are read")
    if not np.isfinite(x).all():
        raise AugmentlabError(f"{path}: holds NaN or infinite samples")
    return x, int(rate), info.subtype


def resample(x: np.ndarray, rate: int, target: int) -> np.ndarray:
    """``x`` (T, C) from ``rate`` to ``target`` Hz by polyphase filtering (scipy)."""
    if rate == target:
        return x
    from scipy.signal import resample_poly

    g = math.gcd(rate, target)
    return resample_poly(x, target // g, rate // g, axis=0).astype(np.float32)


def _labelled_files(root: Path, pattern: LabelPattern | None) -> tuple[list[tuple[Path, str, str | None]], str]:
    """``([(file, label, group)], structure)`` from class subfolders or, with a pattern, the
    flat folder's file names."""
    if pattern is not None:
        files = audio_files(root)
        if not files:
            raise AugmentlabError(f"{root}: no .wav or .flac files; with label_from the files lie directly in the folder")
        return [(p, *pattern.parse(p.stem, str(p))) for p in files], "pattern"
    dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not dirs:
        raise AugmentlabError(f"{root}: audio files but no class subfolders; name the label in the file names with "
                              "label_from (e.g. '{label}_{group}_{_}') or put each class in its own folder", field="label_from")
    out = []
    for d in dirs:
        files = audio_files(d)
        if not files:
            raise AugmentlabError(f"{d}: empty class folder; every class needs at least one .wav or .flac file")
        out += [(p, d.name, None) for p in files]
    return out, "classes"


def _class_order(names: set[str]) -> tuple[str, ...]:
    """Class names sorted, numerically when every name is a whole number (so 10 follows 9)."""
    if all(n.isdigit() for n in names):
        return tuple(sorted(names, key=int))
    return tuple(sorted(names))


def _common_channels(clips, files, root: Path, target: int | None, mixed: str) -> list[np.ndarray]:
    counts = Counter(x.shape[1] for x in clips)
    channels = target or counts.most_common(1)[0][0]
    odd = [(p, x.shape[1]) for (p, _, _), x in zip(files, clips) if x.shape[1] != channels]
    if not odd:
        return clips
    first, n = odd[0]
    if mixed == "reject" or (n != 1 and channels != 1):
        raise AugmentlabError(f"{first}: has {n} channels where the others have {channels}; "
                              + ("use mixed_sizes resize to mix them down" if mixed == "reject" else "convert it first"),
                              field="mixed_sizes")
    warnings.warn(AugmentlabNotice(f"{root}: {len(odd)} clips {'mixed down to mono' if channels == 1 else f'copied to {channels} channels'} "
                                   f"(the first: {first.name}); --mixed-sizes reject refuses them"), stacklevel=3)
    return [x if x.shape[1] == channels else (x.mean(axis=1, keepdims=True) if channels == 1 else np.repeat(x, channels, 1)) for x in clips]


def read_audio_folder(root: Path, options: ReadOptions = ReadOptions(), like: Dataset | None = None) -> Dataset:
    """Read an audio folder. ``like``: the training set a test set must match (its rate,
    channels, length and classes)."""
    root = Path(root)
    pattern = LabelPattern(options.label_from) if options.label_from else None
    files, structure = _labelled_files(root, pattern)
    base = like.layout if like is not None and isinstance(like.layout, AudioLayout) else None
    clips, rates, subtypes = [], [], []
    for p, _, _ in files:
        x, rate, subtype = read_clip(p)
        clips.append(x)
        rates.append(rate)
        subtypes.append(subtype)
    rate = options.sample_rate or (base.sample_rate if base else Counter(rates).most_common(1)[0][0])
    odd = [p for (p, _, _), r in zip(files, rates) if r != rate]
    if odd:
        others = sorted({r for r in rates if r != rate})
        if options.mixed_sizes == "reject":
            raise AugmentlabError(f"{odd[0]}: sampled at {rates[[f[0] for f in files].index(odd[0])]} Hz, not {rate} Hz; use "
                                  "mixed_sizes resize to resample, or give sample_rate", field="mixed_sizes")
        if options.sample_rate is None:
            warnings.warn(AugmentlabNotice(f"{root}: {len(odd)} clips resampled to {rate} Hz from {', '.join(map(str, others))} Hz "
                                           f"(the first: {odd[0].name}); --mixed-sizes reject refuses them"), stacklevel=2)
        clips = [resample(x, r, rate) for x, r in zip(clips, rates)]
    clips = _common_channels(clips, files, root, base.channels if base else None, options.mixed_sizes)
    lengths = np.array([len(x) for x in clips])
    if options.duration is not None:
        samples = max(1, round(options.duration * rate))
    elif base is not None:
        samples = base.samples
    else:  # long enough for 99 % of the clips, rounded up to a tenth of a second
        tenth = rate / 10
        samples = int(math.ceil(np.quantile(lengths, COVERED) / tenth) * tenth)
    data = np.zeros((len(clips), clips[0].shape[1], samples), np.float32)
    for i, x in enumerate(clips):
        n = min(len(x), samples)
        data[i, :, :n] = x[:n].T
    if np.abs(data).max() > 1.0:
        loud = int((np.abs(data) > 1.0).any(axis=(1, 2)).sum())
        warnings.warn(AugmentlabNotice(f"{root}: {loud} float clips exceed [-1, 1]; clipped to that range"), stacklevel=2)
        np.clip(data, -1.0, 1.0, out=data)
    names = like.class_names if like is not None else _class_order({label for _, label, _ in files})
    index = {n: i for i, n in enumerate(names)}
    unknown = [(p, label) for p, label, _ in files if label not in index]
    if unknown:
        raise AugmentlabError(f"{unknown[0][0]}: label {unknown[0][1]!r} is not a class of the training data "
                              f"({', '.join(names[:10])}{', ...' if len(names) > 10 else ''})", field="test")
    labels = torch.tensor([index[label] for _, label, _ in files], dtype=torch.int64)
    groups = np.array([g for _, _, g in files], dtype=str) if pattern is not None and pattern.has_group else None
    suffixes = Counter(p.suffix.lower() for p, _, _ in files)
    layout = AudioLayout(rate, data.shape[1], samples, structure, options.label_from, suffixes.most_common(1)[0][0],
                         Counter(subtypes).most_common(1)[0][0])
    return Dataset(torch.from_numpy(data), labels, names, "audio", "audio", layout, groups=groups,
                   lengths=torch.from_numpy(np.minimum(lengths, samples).astype(np.int64)))


def write_audio_folder(root: Path, ds: Dataset) -> None:
    """Write every clip, cut to its recorded length, in the layout it was read from: class
    subfolders, or a flat folder named by the label pattern (``{_}`` numbers the files)."""
    sf = soundfile()
    layout = ds.layout if isinstance(ds.layout, AudioLayout) else AudioLayout(16000, ds.data.shape[1], ds.data.shape[2], "classes")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    pattern = LabelPattern(layout.pattern) if layout.structure == "pattern" and layout.pattern else None
    folders = [safe_name(n) for n in ds.class_names]
    if len(set(folders)) != len(folders):  # sanitising must not merge classes
        folders = [f"{i:03d}_{n}" for i, n in enumerate(folders)]
    width = len(str(len(ds)))
    fmt = AUDIO_SUFFIXES[layout.suffix]
    subtype = layout.subtype if sf.check_format(fmt, layout.subtype) else None
    wave = ds.data.clamp(-1.0, 1.0).numpy()  # integer formats would wrap around past full scale
    for i, label in enumerate(ds.labels.tolist()):
        n = int(ds.lengths[i]) if ds.lengths is not None else wave.shape[2]
        clip = wave[i, :, :n].T
        if pattern is not None:
            group = None if ds.groups is None else str(ds.groups[i])
            path = root / (pattern.name_for(ds.class_names[label], group, i) + layout.suffix)
        else:
            (root / folders[label]).mkdir(exist_ok=True)
            path = root / folders[label] / f"{i:0{width}d}{layout.suffix}"
        if path.exists():
            raise AugmentlabError(f"{path.name}: two clips would get this name through the pattern {layout.pattern!r}; "
                                  "give the pattern a {_} part")
        sf.write(str(path), clip, layout.sample_rate, subtype=subtype, format=fmt)
