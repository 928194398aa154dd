import pytest

from augmentlab.data.label_pattern import LabelPattern
from augmentlab.errors import AugmentlabError


def test_fsdd_names_give_label_and_group():
    p = LabelPattern("{label}_{group}_{_}")
    assert p.parse("7_theo_12", "x.wav") == ("7", "theo")
    assert p.parse("0_yweweler_49", "x.wav") == ("0", "yweweler")


def test_literal_text_and_no_group():
    p = LabelPattern("rec-{label}-{_}")
    assert p.parse("rec-dog-3", "f") == ("dog", None)
    assert not p.has_group


def test_names_written_read_back():
    p = LabelPattern("{label}_{group}_{_}")
    assert p.parse(p.name_for("3", "ann", 17), "f") == ("3", "ann")


def test_a_name_that_does_not_match_is_named():
    with pytest.raises(AugmentlabError, match=r"bad\.wav: file name 'bad' does not match the label pattern"):
        LabelPattern("{label}_{group}_{_}").parse("bad", "bad.wav")


@pytest.mark.parametrize("pattern,message", [
    ("{lab}_{_}", "unknown field {lab}"),
    ("{group}_{_}", "has no {label} field"),
    ("{label}{group}", "two fields with nothing between"),
    ("{label}_{label}", "appears twice"),
    ("{label}_{", "unbalanced brace"),
    ("", "label_from must be a pattern"),
])
def test_bad_patterns_are_refused_with_the_field(pattern, message):
    with pytest.raises(AugmentlabError, match=message) as e:
        LabelPattern(pattern)
    assert e.value.fields == ("label_from",)
