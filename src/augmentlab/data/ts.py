"""The ``.ts`` text format of the UCR/UEA time-series archive (sktime/aeon), read and written.

``#`` lines are comments, ``@`` lines the header (``@problemName``, ``@univariate``,
``@dimensions``, ``@equalLength``, ``@seriesLength``, ``@missing``, ``@classLabel true
<labels>``), and after ``@data`` each line is one case: each channel's values separated by
commas, channels by ``:``, the class label last. Series of unequal length are padded with
zeros at the end and each keeps its length; missing values (``?`` or ``NaN``) are refused
unless the caller says what to do with them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from augmentlab.data.series import SeriesFile, check_missing, fill_missing, padded, parse_value
from augmentlab.errors import AugmentlabError

_TRUE, _FALSE = "true", "false"


def _flag(value: str, key: str, where: str) -> bool:
    text = value.strip().lower()
    if text not in (_TRUE, _FALSE):
        raise AugmentlabError(f"{where}: @{key} must be true or false; got {value.strip()!r}")
    return text == _TRUE


def _header(lines: list[str], path: Path) -> tuple[dict, int]:
    """The header's fields by lower-case key, and the index of the first data line."""
    fields: dict[str, str] = {}
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("@"):
            raise AugmentlabError(f"{path}:{i + 1}: expected a header line (@...) or @data before the cases; got {line[:40]!r}")
        key, _, value = line[1:].partition(" ")
        key = key.lower()
        if key == "data":
            return fields, i + 1
        fields[key] = value.strip()
    raise AugmentlabError(f"{path}: no @data line; is this a .ts file?")


def _class_names(fields: dict, path: Path) -> tuple[str, ...]:
    if "targetlabel" in fields and _flag(fields["targetlabel"].split()[0] if fields["targetlabel"] else "", "targetLabel", str(path)):
        raise AugmentlabError(f"{path}: @targetLabel true is a regression file; augmentlab classifies series (@classLabel)")
    value = fields.get("classlabel")
    if value is None:
        raise AugmentlabError(f"{path}: the header has no @classLabel line; expected '@classLabel true <labels>'")
    words = value.split()
    if not words or not _flag(words[0], "classLabel", str(path)):
        raise AugmentlabError(f"{path}: @classLabel must be 'true' followed by the class labels; got {value[:60]!r}")
    names = tuple(words[1:])
    if not names:
        raise AugmentlabError(f"{path}: @classLabel true lists no labels")
    if len(set(names)) != len(names):
        raise AugmentlabError(f"{path}: @classLabel repeats a label")
    return names


def read_ts(path: str | Path, *, missing: str = "refuse") -> SeriesFile:
    """Read a ``.ts`` classification file. ``missing``: ``refuse`` (one error naming the
    case), ``keep`` (NaN), or ``interpolate`` (linear in time, the ends held)."""
    path = Path(path)
    check_missing(missing)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise AugmentlabError(f"{path}: not a readable .ts text file ({e.__class__.__name__})") from None
    fields, start = _header(lines, path)
    names = _class_names(fields, path)
    if "timestamps" in fields and _flag(fields["timestamps"], "timeStamps", str(path)):
        raise AugmentlabError(f"{path}: @timeStamps true (values given as (time, value) pairs) is not supported")
    channels = None
    if "univariate" in fields and _flag(fields["univariate"], "univariate", str(path)):
        channels = 1
    if "dimensions" in fields:
        try:
            channels = int(fields["dimensions"])
        except ValueError:
            raise AugmentlabError(f"{path}: @dimensions must be a whole number; got {fields['dimensions']!r}") from None
    equal = _flag(fields["equallength"], "equalLength", str(path)) if "equallength" in fields else None
    declared = None
    if "serieslength" in fields:
        try:
            declared = int(fields["serieslength"])
        except ValueError:
            raise AugmentlabError(f"{path}: @seriesLength must be a whole number; got {fields['serieslength']!r}") from None
    index = {n: k for k, n in enumerate(names)}
    cases, labels = [], []
    for number, raw in enumerate(lines[start:], start=start + 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        *parts, label = line.split(":")
        if not parts:
            raise AugmentlabError(f"{where}: expected the channels' values then ':' and the class label")
        if channels is not None and len(parts) != channels:
            raise AugmentlabError(f"{where}: {len(parts)} channels, but the header declares {channels}")
        channels = len(parts)
        if label.strip() not in index:
            raise AugmentlabError(f"{where}: label {label.strip()[:30]!r} is not in @classLabel ({' '.join(names)[:200]})")
        values = [np.array([parse_value(v, f"{where}, channel {c + 1}") for v in part.split(",")], np.float64)
                  for c, part in enumerate(parts)]
        lengths = {len(v) for v in values}
        if len(lengths) != 1:
            raise AugmentlabError(f"{where}: its channels have different lengths ({', '.join(map(str, sorted(lengths)))})")
        length = lengths.pop()
        if declared is not None and length != declared:
            raise AugmentlabError(f"{where}: {length} values per channel, but @seriesLength is {declared}")
        values = [fill_missing(v, missing, f"{where}, channel {c + 1}") for c, v in enumerate(values)]
        cases.append(np.stack(values))
        labels.append(index[label.strip()])
    if not cases:
        raise AugmentlabError(f"{path}: holds no cases after @data")
    x, lengths = padded(cases)
    if equal and len(set(lengths.tolist())) != 1:
        raise AugmentlabError(f"{path}: @equalLength true, but the cases have {lengths.min()} to {lengths.max()} values")
    return SeriesFile(x, lengths, np.array(labels, np.int64), names, fields.get("problemname", path.stem.rsplit("_", 1)[0]))


def _value(v: np.float32) -> str:
    return "?" if math.isnan(v) else str(v)  # numpy prints a float32 in its shortest round-tripping form


def write_ts(path: str | Path, data: SeriesFile) -> None:
    """Write ``data`` as a ``.ts`` file that ``read_ts`` (and sktime/aeon) read back: each
    series cut to its length; float32 values in their shortest round-tripping form."""
    x, lengths = np.asarray(data.x, np.float32), np.asarray(data.lengths)
    N, C, _ = x.shape
    odd = [n for n in data.class_names if not n or any(ch.isspace() or ch == ":" for ch in n)]
    if odd:
        raise AugmentlabError(f"class name {odd[0]!r}: a .ts file cannot hold labels that are empty or contain spaces or ':'")
    equal = len(set(lengths.tolist())) == 1
    head = [f"@problemName {data.name}", "@timeStamps false", f"@missing {_TRUE if np.isnan(x).any() else _FALSE}",
            f"@univariate {_TRUE if C == 1 else _FALSE}", *([] if C == 1 else [f"@dimensions {C}"]),
            f"@equalLength {_TRUE if equal else _FALSE}", *([f"@seriesLength {int(lengths[0])}"] if equal and N else []),
            f"@classLabel true {' '.join(data.class_names)}", "@data"]
    rows = []
    for i in range(N):
        channels = [",".join(_value(v) for v in x[i, c, : int(lengths[i])]) for c in range(C)]
        rows.append(":".join(channels) + ":" + data.class_names[int(data.labels[i])])
    Path(path).write_text("\n".join(head + rows) + "\n", encoding="utf-8")
