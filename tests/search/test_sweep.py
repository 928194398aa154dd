import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.policy import parse_policy
from augmentlab.policy.magnitude import with_magnitude
from augmentlab.search.sweep import overdone_from, parse_magnitudes


def test_parse_magnitudes_sorts_and_validates():
    assert parse_magnitudes("0.5,0,0.1") == [0.0, 0.1, 0.5]
    for bad, needle in (("0,x", "comma-separated"), ("", "empty"), ("0,1.5", "out of range"), ("0.1,0.1", "repeats")):
        with pytest.raises(AugmentlabError, match=needle):
            parse_magnitudes(bad)


def test_with_magnitude_reaches_every_op():
    p = with_magnitude(parse_policy("hflip+one_of(rotate(m=0.1),cutout(fill=noise))"), 0.7)
    ops = [p.children[0], *p.children[1].children]
    assert [op.m for op in ops] == [0.7, 0.7, 0.7] and ops[2].fill == "noise" and ops[0].p == 0.5
    assert with_magnitude(parse_policy("rand-n2-m0.3"), 0.6) == parse_policy("rand-n2-m0.6")
    with pytest.raises(AugmentlabError, match="no magnitude"):
        with_magnitude(parse_policy("trivial"), 0.5)


def _point(m, vals):
    return {"magnitude": m, "runs": [{"val_accuracy": v} for v in vals]}


def test_overdone_needs_a_significant_paired_drop():
    points = [_point(0.0, [0.70, 0.72, 0.74]), _point(0.2, [0.85, 0.86, 0.87]),
              _point(0.5, [0.84, 0.87, 0.86]),   # within noise of the best
              _point(0.7, [0.80, 0.815, 0.83]),  # consistently about 5 points below
              _point(1.0, [0.60, 0.62, 0.64])]
    assert overdone_from(points, 0.2) == 0.7
    assert overdone_from(points[:3], 0.2) is None
