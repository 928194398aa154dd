"""What an op's magnitude ``m`` means, declared as data.

Every op says which quantity ``m`` sets, its value at ``m = 1`` in a named unit, and
whether it is drawn with a random sign. ``augmentlab ops`` prints it, search spaces ask
whether ``m`` matters at all, and the RandAugment / TrivialAugment tables convert their
published maxima to ``m`` through it (``policy/presets.py``), so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Magnitude:
    quantity: str  # what m sets: "rotation angle"
    at_one: float  # its value at m = 1 (the largest ``m`` reaches)
    unit: str  # "degrees", "of the size", "of the value range", "bits", ...
    signed: bool = False  # drawn as ±value
    # "linear": value = at_one * m; "steps": value = round(at_one * m) (whole bits, beams);
    # "exp2": the factor is 2^(±at_one * m)
    scale: str = "linear"
    # True: each sample draws up to the value (or ±value); False: the value is used as is
    drawn: bool = True

    def value_at(self, m: float) -> float:
        """The quantity at magnitude ``m`` (its largest draw, before any sign)."""
        v = self.at_one * m
        if self.scale == "steps":
            return float(round(v))
        return 2.0**v if self.scale == "exp2" else v

    def m_for(self, value: float) -> float:
        """The ``m`` whose largest draw is ``value`` (a published maximum in this unit), at
        most 1: a larger value is capped at what ``m = 1`` gives."""
        if self.scale == "steps":
            m = round(value) / self.at_one
        elif self.scale == "exp2":
            import math

            m = math.log2(value) / self.at_one
        else:
            m = value / self.at_one
        return min(1.0, m)

    def describe(self) -> str:
        """One line for ``augmentlab ops``: "rotation angle: up to ±90·m degrees"."""
        sign = "±" if self.signed else ""
        if self.scale == "exp2":
            value = f"2^({sign}{self.at_one:g}·m)"
        elif self.scale == "steps":
            value = f"round({self.at_one:g}·m) {self.unit}"
        else:
            value = f"{sign}{self.at_one:g}·m {self.unit}"
        return f"{self.quantity}: {'up to ' if self.drawn else ''}{value}".rstrip()
