"""Reading a CSV file's rows, with one error naming the file when it cannot be read."""

from __future__ import annotations

import csv
from pathlib import Path

from augmentlab.errors import AugmentlabError


def csv_rows(path: Path) -> list[list[str]]:
    """Every row of a UTF-8 CSV file as cells, or one error naming the file."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise AugmentlabError(f"{path}: not a readable CSV file ({e.__class__.__name__})") from None
