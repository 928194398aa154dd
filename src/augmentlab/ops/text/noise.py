"""Character noise: keyboard typos and OCR confusions. ``m`` is the share of words that
get one character-level error each."""

from __future__ import annotations

import random
from abc import abstractmethod

from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.text.base import SentenceOp, count_to_touch

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ROW_OFFSETS = (0.0, 0.25, 0.75)  # the stagger of a QWERTY keyboard, in keys


def _keyboard_neighbours() -> dict[str, str]:
    """Letters whose keys touch each letter's key on a staggered QWERTY keyboard."""
    where = {ch: (r, c + _ROW_OFFSETS[r]) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    out = {}
    for ch, (r, x) in where.items():
        near = [o for o, (r2, x2) in where.items() if o != ch and abs(r2 - r) <= 1 and abs(x2 - x) < (1.01 if r2 == r else 1.0)]
        out[ch] = "".join(sorted(near))
    return out


KEYBOARD = _keyboard_neighbours()
# what OCR commonly reads one glyph as (both directions listed where both happen)
OCR = {"o": ["0"], "0": ["o"], "l": ["1", "I"], "1": ["l"], "I": ["l", "1"], "i": ["l"], "e": ["c"], "c": ["e"],
       "m": ["rn"], "rn": ["m"], "s": ["5"], "5": ["s"], "b": ["6"], "g": ["9", "q"], "q": ["g"], "a": ["o"],
       "B": ["8"], "8": ["B"], "S": ["5"], "Z": ["2"], "z": ["2"], "O": ["0"], "D": ["0"], "u": ["v"], "v": ["u"],
       "h": ["b"], "n": ["h"], "t": ["f"], "f": ["t"], "cl": ["d"], "d": ["cl"], "vv": ["w"], "w": ["vv"]}


def keyboard_typo(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.lower() in KEYBOARD]
    if not letters:
        return word
    i = rng.choice(letters)
    ch = word[i]
    kind = rng.choice(("substitute", "insert", "delete", "transpose"))
    near = rng.choice(KEYBOARD[ch.lower()])
    near = near.upper() if ch.isupper() else near
    if kind == "substitute":
        return word[:i] + near + word[i + 1 :]
    if kind == "insert":
        return word[: i + 1] + near + word[i + 1 :]
    if kind == "delete" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if i + 1 < len(word):  # transpose with the next character
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + near + word[i + 1 :]


def ocr_confusion(word: str, rng: random.Random) -> str:
    spots = [(i, k) for k in OCR for i in range(len(word)) if word.startswith(k, i)]
    if not spots:
        return word
    i, k = rng.choice(sorted(spots))
    return word[:i] + rng.choice(OCR[k]) + word[i + len(k) :]


class _CharOp(SentenceOp):
    family = "noise"

    def edit(self, text, strength, rng):
        words = text.split()
        n = count_to_touch(len(words), strength)
        for i in sorted(rng.sample(range(len(words)), n)):
            words[i] = self.corrupt(words[i], rng)
        return " ".join(words) if n else text

    @abstractmethod
    def corrupt(self, word: str, rng: random.Random) -> str:
        """``word`` with one character-level error."""


@register
class Typo(_CharOp):
    name = "typo"
    magnitude = Magnitude("words with a typo", 1.0, "of the words")
    controls = "share of words with one keyboard typo (a neighbouring key substituted or inserted, a letter dropped or transposed)"

    def corrupt(self, word, rng):
        return keyboard_typo(word, rng)


@register
class OCRNoise(_CharOp):
    name = "ocr"
    magnitude = Magnitude("words with an OCR confusion", 1.0, "of the words")
    controls = "share of words with one OCR confusion (o/0, l/1, rn/m, e/c, ...)"

    def corrupt(self, word, rng):
        return ocr_confusion(word, rng)
