"""Text: a 1-D numpy array of ``str``, one sentence (or document) per sample."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from augmentlab.errors import AugmentlabError
from augmentlab.modality.base import Modality

if TYPE_CHECKING:
    from augmentlab.data.read_options import ReadOptions


class TextModality(Modality):
    name = "text"
    noun = "sentences"
    # the encoders are fixed, so augmented copies are made once per training split
    training = "copies"
    preview = "table"
    models = ("minilm", "tfidf", "fasttext", "textcnn")  # the first is the default
    baselines = {"eda": "eda(m=0.1)"}  # EDA's recommended α
    # EDA's edits and typos, at most two per sentence, α up to 0.3 (EDA found more hurts)
    default_space = {"kind": "rand", "n": [0, 2], "m": [0, 0.3],
                     "op_sets": {"eda": ["synonym", "insert", "swap", "delete"],
                                 "eda+typo": ["synonym", "insert", "swap", "delete", "typo"]}}
    options = frozenset({"copies", "min_similarity", "filter_model"})
    formats = ("text",)
    files = "a .tsv/.csv text table"

    def check_data(self, data) -> None:
        if not (isinstance(data, np.ndarray) and data.ndim == 1):
            raise AugmentlabError("text data must be a 1-D numpy array of str")

    def take(self, data, index):
        return data[np.asarray(index)]

    def concat(self, parts: list):
        return np.concatenate(parts)

    def sample_shape(self, data) -> tuple[int, ...]:
        return ()

    def hash_into(self, h: hashlib._Hash, data) -> None:
        for text in data:  # each sentence length-prefixed, so boundaries count
            b = str(text).encode("utf-8")
            h.update(len(b).to_bytes(8, "little") + b)

    def item_keys(self, data) -> list[bytes]:
        # the same sentence up to case and spacing is the same item
        return [" ".join(str(text).casefold().split()).encode("utf-8") for text in data]

    def describe_item(self, data, index: int) -> str:
        text = str(data[index])
        return f" ({text[:40]!r}{'...' if len(text) > 40 else ''})"

    def sample_bytes(self, data) -> int:
        # the mean UTF-8 length plus Python's per-string overhead
        return 64 + (sum(len(str(t).encode("utf-8")) for t in data) // max(len(data), 1))

    def claims(self, path: Path, options: ReadOptions | None = None) -> int:
        from augmentlab.data.text import find_text_file

        return 2 if find_text_file(path) is not None else 0

    def read(self, path: Path, *, like=None, options: ReadOptions):
        from augmentlab.data.text import find_text_file, read_text_table

        names = like.class_names if like is not None and like.modality == self.name else None
        return read_text_table(find_text_file(path), names)

    def output_format(self, ds, out: Path) -> str:
        """Text is written as the table it was read from (.tsv or .csv)."""
        want = ".tsv" if getattr(ds.layout, "delimiter", "\t") == "\t" else ".csv"
        if Path(out).suffix.lower() != want:
            raise AugmentlabError(f"out {out}: text read from a {want} table is written as {want}; name the output *{want}", field="out")
        return "text"

    def write(self, path: Path, ds, fmt: str) -> None:
        from augmentlab.data.text import write_text_table

        write_text_table(path, ds)
