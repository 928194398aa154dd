"""The search's winner against the free baselines: Holm-adjusted paired differences, a
plain verdict, and the cheaper policy when validation cannot tell them apart."""

import math

import pytest
from scipy import stats as st

from augmentlab.search.versus import cheapest_tied, could_be_chosen, holm_versus, verdict


def test_holm_adjusts_the_smallest_p_value_by_the_number_of_comparisons():
    ours = [0.90, 0.92, 0.91, 0.93]
    others = {"none": [0.70, 0.71, 0.69, 0.72], "randaugment": [0.89, 0.92, 0.90, 0.92], "trivialaugment": [0.88, 0.93, 0.89, 0.92]}
    v = holm_versus(ours, others)
    raw = {k: st.ttest_rel(ours, theirs).pvalue for k, theirs in others.items()}
    ranked = sorted(raw, key=raw.get)
    assert v[ranked[0]]["p_holm"] == pytest.approx(min(1.0, 3 * raw[ranked[0]]))
    assert v[ranked[1]]["p_holm"] == pytest.approx(max(v[ranked[0]]["p_holm"], min(1.0, 2 * raw[ranked[1]])))
    assert v[ranked[2]]["p_holm"] == pytest.approx(max(v[ranked[1]]["p_holm"], raw[ranked[2]]))
    assert v["none"]["distinguishable"] and not v["randaugment"]["distinguishable"]
    # the first-ranked interval is at level 1 - 0.05/3: wider than a plain 95% t-interval
    d = [a - b for a, b in zip(ours, others[ranked[0]])]
    plain = st.t.interval(0.95, 3, loc=sum(d) / 4, scale=st.tstd(d) / 2)
    held = v[ranked[0]]["ci_holm"]
    assert held[0] < plain[0] and held[1] > plain[1] and v[ranked[0]]["level"] == pytest.approx(1 - 0.05 / 3)


def test_a_dropped_search_arm_is_compared_on_the_seeds_it_ran():
    v = holm_versus([0.8, 0.81], {"none": [0.7, 0.72, 0.71]})
    assert v["none"]["seeds"] == 2
    one = holm_versus([0.8], {"none": [0.7, 0.72]})
    assert one["none"]["distinguishable"] is None and one["none"]["ci_holm"] is None and math.isclose(one["none"]["difference"], 0.1)


def test_the_verdict_says_when_nothing_was_found():
    tied = {"none": {"distinguishable": True, "difference": 0.2}, "trivialaugment": {"distinguishable": False, "difference": 0.004}}
    assert verdict(tied, {"none": "no augmentation", "trivialaugment": "TrivialAugment"}).startswith(
        "no policy was distinguishable from TrivialAugment at this budget")
    won = {"trivialaugment": {"distinguishable": True, "difference": 0.03}}
    assert "beat TrivialAugment" in verdict(won, {"trivialaugment": "TrivialAugment"})
    assert "one seed" in verdict({"trivialaugment": {"distinguishable": None, "difference": 0.0}}, {"trivialaugment": "T"})
    # a race lost after one seed is not the user's too few seeds: no advice to add more
    lost = verdict({"trivialaugment": {"distinguishable": None, "difference": -0.02}}, {"trivialaugment": "T"}, dropped_after=1)
    assert "fell behind" in lost and "--seeds" not in lost
    unwinnable = verdict({"trivialaugment": {"distinguishable": None, "difference": 0.01}}, {"trivialaugment": "T"},
                         dropped_after=1, dropped_reason="cannot_win")
    assert "could have made" in unwinnable and "fell behind" not in unwinnable and "--seeds" not in unwinnable


def test_a_cheaper_policy_validation_cannot_tell_from_the_best_is_chosen():
    val = {"none": [0.60, 0.62, 0.61], "randaugment": [0.85, 0.83, 0.86], "search": [0.86, 0.84, 0.86]}
    assert cheapest_tied(["none", "randaugment", "search"], val) == "randaugment"
    clear = {"none": [0.60, 0.62, 0.61], "randaugment": [0.80, 0.81, 0.80], "search": [0.86, 0.87, 0.86]}
    assert cheapest_tied(["none", "randaugment", "search"], clear) == "search"
    one_seed = {"none": [0.6], "search": [0.8]}
    assert cheapest_tied(["none", "search"], one_seed) == "search"


CANDIDATES = ["none", "randaugment", "search"]


def test_a_policy_a_last_seed_cannot_lift_past_a_free_one_could_not_be_chosen():
    # behind on one seed, ahead on the other: no third score gives a lead the interval keeps above zero
    close = {"none": [0.60, 0.62, 0.61], "randaugment": [0.85, 0.83, 0.86], "search": [0.84, 0.85]}
    assert not could_be_chosen(CANDIDATES, close, "search")
    assert all(cheapest_tied(CANDIDATES, {**close, "search": [0.84, 0.85, x / 1000]}) != "search" for x in range(1001))
    # far ahead with a steady lead: a last score like the others makes it the choice
    clear = {"none": [0.60, 0.62, 0.61], "randaugment": [0.80, 0.81, 0.80], "search": [0.86, 0.87]}
    assert could_be_chosen(CANDIDATES, clear, "search")
    assert cheapest_tied(CANDIDATES, {**clear, "search": [0.86, 0.87, 0.86]}) == "search"


def test_could_be_chosen_never_rules_out_a_score_that_would_win():
    import numpy as np

    rng = np.random.default_rng(0)
    names = ["none", "randaugment", "trivialaugment", "search"]
    grid = [i / 1000 for i in range(1001)]
    said_yes = 0
    for _ in range(300):
        seeds = int(rng.integers(2, 6))
        level = rng.uniform(0.5, 0.95)
        val = {k: list(np.clip(level + rng.normal(0, 0.03, seeds) + rng.normal(0, 0.03), 0, 1)) for k in names[:3]}
        val["search"] = list(np.clip(level + rng.normal(0.03, 0.03, seeds - 1), 0, 1))
        winning = [x for x in grid if cheapest_tied(names, {**val, "search": val["search"] + [x]}) == "search"]
        possible = could_be_chosen(names, val, "search")
        assert possible or not winning  # never a skipped seed that could have won
        said_yes += possible
        if winning:
            assert possible
    assert 5 < said_yes < 295  # the cases go both ways
