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


def test_one_standard_error_rule_takes_the_smallest_value_tied_with_the_best():
    from augmentlab.search.sweep import one_standard_error

    # a flat curve (SST-2's α sweep): the best is 0.3 by half a point, the seeds disagree by more
    flat = [_point(0.0, [0.80, 0.83, 0.78]), _point(0.1, [0.81, 0.82, 0.79]), _point(0.3, [0.79, 0.85, 0.80]), _point(0.5, [0.78, 0.80, 0.77])]
    chosen, why = one_standard_error(flat, 0.3)
    assert chosen == 0.0 and "one standard error" in why
    # a clear rise: nothing below the best comes within one SE of it
    rising = [_point(0.0, [0.70, 0.72, 0.74]), _point(0.1, [0.78, 0.80, 0.81]), _point(0.2, [0.85, 0.86, 0.87])]
    assert one_standard_error(rising, 0.2)[0] == 0.2
    # the smallest tied value, not the nearest one: 0.1 is within one SE, 0.0 is not
    mid = [_point(0.0, [0.70, 0.71, 0.72]), _point(0.1, [0.849, 0.862, 0.866]), _point(0.2, [0.85, 0.86, 0.87])]
    assert one_standard_error(mid, 0.2)[0] == 0.1
    # one seed: no standard error, the best stands
    assert one_standard_error([_point(0.0, [0.9]), _point(0.1, [0.91])], 0.1)[0] == 0.1
    # any axis (synthetic and sampling ratios)
    ratios = [{"ratio": r, "runs": p["runs"]} for r, p in zip((0.0, 0.5, 1.0, 2.0), flat)]
    assert one_standard_error(ratios, 1.0, "ratio")[0] == 0.0
