import math

import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.values import check_number, check_probability, check_seed


@pytest.mark.parametrize("value,needle", [(math.nan, "not a finite number"), (math.inf, "not a finite number"),
                                          (-0.1, "out of range"), (1.5, "out of range"), ("0.5", "not a number"),
                                          (True, "not a number"), (None, "not a number")])
def test_probability_refuses_what_is_not_a_finite_number_in_range(value, needle):
    with pytest.raises(AugmentlabError, match=needle):
        check_probability(value, "p")


def test_numbers_pass_through_typed():
    assert check_number(3, "--n", low=1, integer=True) == 3 and isinstance(check_number(1, "x", low=0), float)
    with pytest.raises(AugmentlabError, match="above 0"):
        check_number(0.0, "--ratio", low=0.0, low_open=True)
    with pytest.raises(AugmentlabError, match="not an integer"):
        check_number(1.5, "--n", integer=True)


@pytest.mark.parametrize("seed", [-1, 2**63, 2**70, 1.0, True, "3"])
def test_one_rule_for_every_seed(seed):
    with pytest.raises(AugmentlabError, match="--seed="):
        check_seed(seed, "--seed")
    assert check_seed(2**63 - 1) == 2**63 - 1


def test_long_values_are_cut_in_messages():
    with pytest.raises(AugmentlabError) as e:
        check_number("x" * 10_000, "m")
    assert len(str(e.value)) < 100
