"""YAML and JSON files that hold data (policies, search spaces): parsed as data only
(``yaml.safe_load``), never executed."""

from __future__ import annotations

import json
from pathlib import Path

from augmentlab.errors import AugmentlabError

SUFFIXES = (".yaml", ".yml", ".json")


def is_data_file(spec) -> bool:
    """Whether ``spec`` names a YAML/JSON file (by its suffix) rather than an inline spec."""
    return isinstance(spec, str) and bool(spec.strip()) and Path(spec).suffix.lower() in SUFFIXES


def read_data_file(spec: str, label: str):
    """The parsed contents of a YAML/JSON file; one clear error, prefixed by ``label``, when
    it is missing, malformed or empty."""
    path = Path(spec)
    if not path.is_file():
        raise AugmentlabError(f"{label} {spec}: no such file")
    text = path.read_text(encoding="utf-8")
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        if kind == "JSON":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as e:  # noqa: BLE001 - any parse error becomes one line naming the file
        first = str(e).splitlines()[0] if str(e) else ""
        raise AugmentlabError(f"{label} {spec}: not valid {kind} ({type(e).__name__}: {first})") from None
    if data is None:
        raise AugmentlabError(f"{label} {spec}: the file is empty")
    return data
