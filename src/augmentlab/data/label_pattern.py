"""File names that carry a sample's label and group: ``{label}_{group}_{_}`` reads FSDD's
``7_theo_12.wav`` as label ``7``, group ``theo`` (the ``{_}`` part is ignored).

The pattern matches the whole file name without its suffix. Fields are ``{label}``
(required), ``{group}`` and ``{_}`` (any number of ignored parts); everything else is
literal text. A field takes the shortest text that lets the rest of the name match, so a
separator after it ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from augmentlab.errors import AugmentlabError

FIELDS = ("label", "group", "_")
_FIELD = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class LabelPattern:
    text: str
    regex: re.Pattern = field(init=False, repr=False, compare=False)
    has_group: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise AugmentlabError("label_from must be a pattern such as '{label}_{group}_{_}'", field="label_from")
        parts, pos, seen = [], 0, []
        for m in _FIELD.finditer(self.text):
            name = m.group(1)
            if name not in FIELDS:
                raise AugmentlabError(f"label_from {self.text!r}: unknown field {{{name}}}; expected {{label}}, {{group}} or {{_}}",
                                      field="label_from")
            if name != "_" and name in seen:
                raise AugmentlabError(f"label_from {self.text!r}: {{{name}}} appears twice", field="label_from")
            literal = self.text[pos : m.start()]
            if "{" in literal or "}" in literal:
                raise AugmentlabError(f"label_from {self.text!r}: unbalanced brace in {literal!r}", field="label_from")
            if seen and not literal:
                raise AugmentlabError(f"label_from {self.text!r}: two fields with nothing between them cannot be told apart; "
                                      "put a separator such as '_' between them", field="label_from")
            parts.append(re.escape(literal))
            parts.append(f"(?P<{name}>.+?)" if name != "_" else "(?:.+?)")
            seen.append(name)
            pos = m.end()
        tail = self.text[pos:]
        if "{" in tail or "}" in tail:
            raise AugmentlabError(f"label_from {self.text!r}: unbalanced brace in {tail!r}", field="label_from")
        if "label" not in seen:
            raise AugmentlabError(f"label_from {self.text!r}: has no {{label}} field", field="label_from")
        parts.append(re.escape(tail))
        object.__setattr__(self, "regex", re.compile("".join(parts), re.DOTALL))
        object.__setattr__(self, "has_group", "group" in seen)

    def parse(self, stem: str, where: str) -> tuple[str, str | None]:
        """``(label, group)`` of a file name without its suffix; ``where`` names the file."""
        m = self.regex.fullmatch(stem)
        if m is None:
            raise AugmentlabError(f"{where}: file name {stem!r} does not match the label pattern {self.text!r}")
        return m.group("label"), (m.group("group") if self.has_group else None)

    def name_for(self, label: str, group: str | None, index: int) -> str:
        """A file name (no suffix) that reads back as ``label`` and ``group``; ``{_}`` holds
        ``index`` so names stay unique."""
        values = {"label": label, "group": group if group is not None else "", "_": str(index)}
        name = _FIELD.sub(lambda m: values[m.group(1)], self.text)
        if self.parse_or_none(name) != (label, group if self.has_group else None):
            raise AugmentlabError(f"label {label!r} or group {group!r} would not read back through the pattern {self.text!r}; "
                                  "write into class folders instead")
        return name

    def parse_or_none(self, stem: str):
        m = self.regex.fullmatch(stem)
        return None if m is None else (m.group("label"), m.group("group") if self.has_group else None)
