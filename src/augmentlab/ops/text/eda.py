"""EDA's four word edits (Wei & Zou 2019): synonym replacement, random insertion, random
swap and random deletion, plus ``eda``, which gives each sentence one of the four.

Words are whitespace-separated tokens, punctuation stays where it is, and edits join the
words back with single spaces. ``m`` is α, the share of words touched: replacement,
insertion and swap touch max(1, ⌊α·n⌋) words, deletion drops each word with probability α
(never all of them); at α = 0 the sentence is unchanged.
"""

from __future__ import annotations

import functools
import random
from abc import abstractmethod

from augmentlab.errors import AugmentlabError
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.text.base import SentenceOp, check_positive_int, count_to_touch
from augmentlab.ops.text.wordnet import synonyms


@functools.cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, loaded on first use (importing scikit-learn
    costs every command about 1.5 s)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _candidates(words: list[str]) -> list[int]:
    """Positions of words EDA may replace: not stop words, with at least one synonym."""
    return [i for i, w in enumerate(words) if w.lower() not in stop_words() and synonyms(w)]


def synonym_replace(words: list[str], n: int, rng: random.Random) -> list[str]:
    words = list(words)
    positions = _candidates(words)
    rng.shuffle(positions)
    for i in positions[:n]:
        words[i] = _match_case(rng.choice(synonyms(words[i])), words[i])
    return words


def random_insert(words: list[str], n: int, rng: random.Random) -> list[str]:
    words = list(words)
    for _ in range(n):
        positions = _candidates(words)
        if not positions:
            break
        source = words[rng.choice(positions)]
        words.insert(rng.randrange(len(words) + 1), rng.choice(synonyms(source)))
    return words


def random_swap(words: list[str], n: int, rng: random.Random) -> list[str]:
    words = list(words)
    if len(words) < 2:
        return words
    for _ in range(n):
        i, j = rng.sample(range(len(words)), 2)
        words[i], words[j] = words[j], words[i]
    return words


def random_delete(words: list[str], alpha: float, rng: random.Random) -> list[str]:
    if alpha <= 0 or len(words) < 2:
        return list(words)
    kept = [w for w in words if rng.random() >= alpha]
    return kept or [rng.choice(words)]


class _WordOp(SentenceOp):
    family = "eda"

    def edit(self, text, strength, rng):
        words = text.split()
        if not words:
            return text
        return " ".join(self.edit_words(words, strength, rng))

    @abstractmethod
    def edit_words(self, words: list[str], strength: float, rng: random.Random) -> list[str]:
        """The words of a non-empty sentence, edited."""


@register
class Synonym(_WordOp):
    name = "synonym"
    magnitude = Magnitude("words replaced", 1.0, "of the words")
    controls = "share of words replaced by a WordNet synonym (EDA's α; stop words are kept)"

    def edit_words(self, words, strength, rng):
        return synonym_replace(words, count_to_touch(len(words), strength), rng)


@register
class Insert(_WordOp):
    name = "insert"
    magnitude = Magnitude("words inserted", 1.0, "of the length")
    controls = "share of the length inserted: synonyms of random words at random places (EDA's α)"

    def edit_words(self, words, strength, rng):
        return random_insert(words, count_to_touch(len(words), strength), rng)


@register
class Swap(_WordOp):
    name = "swap"
    magnitude = Magnitude("word swaps", 1.0, "of the length")
    controls = "share of the length in swaps of two random words (EDA's α)"

    def edit_words(self, words, strength, rng):
        return random_swap(words, count_to_touch(len(words), strength), rng)


@register
class Delete(_WordOp):
    name = "delete"
    magnitude = Magnitude("deletion probability per word", 1.0, "")
    controls = "probability of deleting each word (EDA's α; one word always stays)"

    def edit_words(self, words, strength, rng):
        return random_delete(words, strength, rng)


EDA_EDITS = ("synonym", "insert", "swap", "delete")


@register
class EDA(_WordOp):
    """Each sentence gets one of EDA's four edits, chosen uniformly, at α = m.

    ``copies`` is how many augmented sentences the text pipeline makes per original
    (EDA's n_aug: 16 for about 500 training sentences, 8 for 2,000, 4 above 5,000)."""

    name = "eda"
    magnitude = Magnitude("EDA's α", 1.0, "")
    controls = "α for whichever of synonym, insert, swap or delete each sentence gets"

    def __init__(self, m: float = 0.1, p: float = 1.0, mode: str = "fixed", copies: int = 4, edits: str = "synonym,insert,swap,delete"):
        super().__init__(m, p, mode)
        self.copies = check_positive_int("eda", "copies", copies)
        chosen = [e.strip() for e in str(edits).split(",") if e.strip()]
        bad = [e for e in chosen if e not in EDA_EDITS]
        if bad or not chosen:
            raise AugmentlabError(f"eda: edits={edits!r}; expected a comma-separated subset of {', '.join(EDA_EDITS)}")
        self.edits = ",".join(chosen)

    def edit_words(self, words, strength, rng):
        which = rng.choice(self.edits.split(","))
        if which == "delete":
            return random_delete(words, strength, rng)
        fn = {"synonym": synonym_replace, "insert": random_insert, "swap": random_swap}[which]
        return fn(words, count_to_touch(len(words), strength), rng)
