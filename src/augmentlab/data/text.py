"""Text classification tables: TSV or CSV, one example per row, in two layouts.

- With a header naming a text column (``sentence`` or ``text``) and a ``label`` column,
  as in GLUE's SST-2: ``sentence<TAB>label``.
- Without a header, two columns: the text and a label name, as in AG News:
  ``text<TAB>Sports``. The label column is the one with fewer distinct values.

TSV is read without quoting (GLUE's convention); CSV with standard quoting. Labels may be
integers or names; classes are sorted (numerically when every label is an integer). A
test file is read against the training classes, so a label outside them is an error.
The layout is kept, so ``augment`` writes the same layout back.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from augmentlab.data.dataset import Dataset
from augmentlab.errors import AugmentlabError

TEXT_SUFFIXES = (".tsv", ".csv")
TEXT_COLUMNS = ("sentence", "text")
LABEL_COLUMNS = ("label",)
SPLIT_FILES = ("train.tsv", "train.csv")  # a folder argument means its training file


@dataclass(frozen=True)
class TextLayout:
    delimiter: str
    header: tuple[str, ...] | None  # None: no header row
    text_column: int
    label_column: int


def _reader(f, delimiter: str):
    if delimiter == "\t":
        return csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
    return csv.reader(f, delimiter=delimiter)


def read_text_table(path: str | Path, class_names: tuple[str, ...] | None = None) -> Dataset:
    """A text ``Dataset`` (``data``: a 1-D object array of str). With ``class_names``, the
    labels must be among them (a test file read against the training classes)."""
    path = Path(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:  # -sig: a byte-order mark is not text
            rows = [row for row in _reader(f, delimiter) if row and any(cell.strip() for cell in row)]
    except UnicodeDecodeError as e:
        raise AugmentlabError(f"{path}: not UTF-8 text (byte {e.start}); expected a UTF-8 {path.suffix} file") from None
    except csv.Error as e:
        raise AugmentlabError(f"{path}: not a readable {path.suffix} file ({e})") from None
    if not rows:
        raise AugmentlabError(f"{path}: the file is empty; expected one example per row")
    layout, body, first_line = _layout(path, rows, delimiter)
    texts, labels = [], []
    for i, row in enumerate(body):
        line = first_line + i
        if len(row) != len(rows[0]):
            raise AugmentlabError(f"{path} line {line}: {len(row)} columns; expected {len(rows[0])} like the first row")
        text, label = row[layout.text_column], row[layout.label_column].strip()
        if not label:
            raise AugmentlabError(f"{path} line {line}: the label is empty")
        texts.append(text)
        labels.append(label)
    if not texts:
        raise AugmentlabError(f"{path}: has a header but no examples")
    names = class_names if class_names is not None else _sorted_classes(set(labels))
    index = {name: k for k, name in enumerate(names)}
    for i, label in enumerate(labels):
        if label not in index:
            raise AugmentlabError(f"{path} line {first_line + i}: label {label!r} is not in the class set "
                                  f"({', '.join(names)})")
    data = np.empty(len(texts), dtype=object)
    data[:] = texts
    y = torch.tensor([index[label] for label in labels], dtype=torch.int64)
    return Dataset(data, y, tuple(names), "text", path.suffix.lower().lstrip("."), layout)


def _layout(path: Path, rows: list[list[str]], delimiter: str) -> tuple[TextLayout, list[list[str]], int]:
    """The layout, the example rows and the line number of the first example."""
    first = [cell.strip().lower() for cell in rows[0]]
    text_col = next((first.index(c) for c in TEXT_COLUMNS if c in first), None)
    label_col = next((first.index(c) for c in LABEL_COLUMNS if c in first), None)
    if text_col is not None or label_col is not None:  # a header row
        if label_col is None:
            raise AugmentlabError(f"{path}: the header ({', '.join(rows[0])}) has no label column; expected 'label'")
        if text_col is None:
            raise AugmentlabError(f"{path}: the header ({', '.join(rows[0])}) has no text column; expected 'sentence' or 'text'")
        return TextLayout(delimiter, tuple(rows[0]), text_col, label_col), rows[1:], 2
    if len(rows[0]) != 2:
        raise AugmentlabError(f"{path}: no header and {len(rows[0])} columns; expected a header with 'sentence'/'text' "
                              "and 'label' columns, or two columns: text and label")
    # the label column has fewer distinct values and shorter cells; when the two signs
    # disagree, guessing could silently swap text and labels
    distinct = [len({row[k].strip() for row in rows if len(row) == 2}) for k in (0, 1)]
    length = [sum(len(row[k]) for row in rows if len(row) == 2) for k in (0, 1)]
    by_count = 1 if distinct[1] <= distinct[0] else 0
    by_length = 1 if length[1] <= length[0] else 0
    if distinct[0] != distinct[1] and by_count != by_length:
        raise AugmentlabError(f"{path}: no header, and the column with fewer distinct values ({by_count + 1}) has the longer "
                              "cells; cannot tell text from label. Add a header row naming the 'text' and 'label' columns")
    label_col = by_count  # on a tie, the second column (AG News' order)
    return TextLayout(delimiter, None, 1 - label_col, label_col), rows, 1


def _sorted_classes(labels: set[str]) -> tuple[str, ...]:
    try:
        return tuple(sorted(labels, key=int))
    except ValueError:
        return tuple(sorted(labels))


def write_text_table(path: str | Path, ds: Dataset) -> None:
    """Write ``ds`` in its layout (a header table with sentence/label by default)."""
    layout = ds.layout if isinstance(ds.layout, TextLayout) else TextLayout("\t", ("sentence", "label"), 0, 1)
    width = len(layout.header) if layout.header else 2
    with open(path, "w", encoding="utf-8", newline="") as f:
        if layout.delimiter == "\t":
            # as GLUE's TSVs: no quoting at all, so a '"' in a sentence is written as it is
            writer = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
        else:
            writer = csv.writer(f, delimiter=layout.delimiter, lineterminator="\n")
        if layout.header:
            writer.writerow(layout.header)
        for text, label in zip(ds.data, ds.labels.tolist()):
            row = [""] * width
            row[layout.text_column] = _clean_cell(str(text), layout.delimiter)
            row[layout.label_column] = ds.class_names[label]
            writer.writerow(row)


def _clean_cell(text: str, delimiter: str) -> str:
    # an unquoted TSV cannot hold tabs or line breaks: they become spaces (nothing else changes)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ") if delimiter == "\t" else text


def find_text_file(path: Path) -> Path | None:
    """The text table ``path`` names: the file itself, or a folder's training file."""
    if path.is_file():
        return path if path.suffix.lower() in TEXT_SUFFIXES else None
    for name in SPLIT_FILES:
        if (path / name).is_file():
            return path / name
    return None
