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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise AugmentlabError(f"{label} {spec}: not UTF-8 text (byte {e.start}); save it as UTF-8") from None
    except OSError as e:
        raise AugmentlabError(f"{label} {spec}: cannot read ({e.strerror})") from None
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        if kind == "JSON":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except RecursionError:
        raise AugmentlabError(f"{label} {spec}: nested too deeply") from None
    except Exception as e:  # noqa: BLE001 - any parse error becomes one line naming the file
        first = str(e).splitlines()[0] if str(e) else ""
        raise AugmentlabError(f"{label} {spec}: not valid {kind} ({type(e).__name__}: {first})") from None
    if data is None:
        raise AugmentlabError(f"{label} {spec}: the file is empty")
    size = expanded_size(data, MAX_NODES)
    if size > MAX_NODES:
        raise AugmentlabError(f"{label} {spec}: expands to more than {MAX_NODES:,} values (YAML aliases repeat "
                              "what they point to); write the policy out")
    return data


# A policy or search space is tens of values; YAML aliases can make a few hundred bytes
# expand to billions ("billion laughs"), so the expanded size is bounded.
MAX_NODES = 10_000


def expanded_size(data, limit: int) -> int:
    """How many values ``data`` holds once every alias is expanded, counted without
    expanding (a shared object is counted once per reference); stops past ``limit``."""
    memo: dict[int, int] = {}

    def size(node) -> int:
        if not isinstance(node, (list, dict)):
            return 1
        if id(node) in memo:
            return memo[id(node)]
        memo[id(node)] = limit + 1  # a cycle counts as too large
        items = node.values() if isinstance(node, dict) else node
        total = 1
        for item in items:
            total += size(item)
            if total > limit:
                break
        memo[id(node)] = total
        return total

    try:
        return size(data)
    except RecursionError:
        return limit + 1
