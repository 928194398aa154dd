"""Leakage between the data a run trains on and the test set it reports on.

A test file is trusted to be disjoint from the training data; an exact copy of a training
image or sentence in it inflates the score, silently. Before training, every item of both
is hashed the way its modality says two items are the same (``Modality.item_keys``: the
bytes of an image, clip or series, the casefolded words of a sentence, the values of a
table row) and a shared item is refused with the count and a few examples, unless the
user allows it; the run then records what it allowed.
"""

from __future__ import annotations

import warnings

from augmentlab.errors import AugmentlabError, AugmentlabNotice

EXAMPLES = 3


def find_overlap(ds, test) -> dict:
    """``{"count", "test_items", "examples"}``: the test items that equal an item of ``ds``
    (every one of them can land in training or validation), with a few ``(test index,
    data index)`` pairs described."""
    seen: dict[bytes, int] = {}
    for i, key in enumerate(ds.kind.item_keys(ds.data)):
        seen.setdefault(key, i)
    shared = [(j, seen[key]) for j, key in enumerate(test.kind.item_keys(test.data)) if key in seen]
    examples = [f"test item {j} = data item {i}{ds.kind.describe_item(ds.data, i)}" for j, i in shared[:EXAMPLES]]
    return {"count": len(shared), "test_items": len(test), "examples": examples}


def check_overlap(ds, test, allow: bool, data: str, test_name: str) -> dict | None:
    """Refuse a test set sharing items with the data (None when there is no test set);
    with ``allow``, return the overlap for the run to record."""
    if test is None:
        return None
    found = find_overlap(ds, test)
    if found["count"] and not allow:
        raise AugmentlabError(f"test {test_name} shares {found['count']} of its {found['test_items']} {ds.kind.noun} with {data} "
                              f"(exact copies: {'; '.join(found['examples'])}): its score would count what training saw; "
                              "remove them, or give --allow-overlap to run anyway (the run records it)", field="test")
    if found["count"]:
        warnings.warn(AugmentlabNotice(f"test {test_name} shares {found['count']} of its {found['test_items']} {ds.kind.noun} with "
                                       f"{data}; running as --allow-overlap asks, and recording it"), stacklevel=2)
    return {**found, "allowed": bool(allow)}
