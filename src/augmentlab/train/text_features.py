"""A simple word tokenizer and vocabularies for the from-scratch text models."""

from __future__ import annotations

import re
from collections import Counter

import torch

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
PAD, UNK = 0, 1


def tokenize(text: str) -> list[str]:
    """Lowercased words (with their apostrophe endings) and single punctuation marks."""
    return _TOKEN.findall(text.lower())


def with_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


class Vocabulary:
    """Token ids by frequency in the training texts (ties by first appearance); 0 pads,
    1 is every unknown token."""

    def __init__(self, token_lists, max_size: int = 50_000, min_count: int = 1):
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = [t for t, c in counts.most_common() if c >= min_count][: max_size - 2]
        self.index = {t: i + 2 for i, t in enumerate(kept)}

    def __len__(self) -> int:
        return len(self.index) + 2

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def padded(self, token_lists, max_len: int, min_len: int = 1) -> torch.Tensor:
        """(N, L) int64 ids, cut to ``max_len`` and padded to the longest (at least ``min_len``)."""
        rows = [self.ids(tokens)[:max_len] for tokens in token_lists]
        width = max([min_len, *map(len, rows)])
        out = torch.full((len(rows), width), PAD, dtype=torch.int64)
        for i, row in enumerate(rows):
            out[i, : len(row)] = torch.tensor(row, dtype=torch.int64)
        return out
