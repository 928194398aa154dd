import math

import pytest
from scipy import stats as st

from augmentlab.train.stats import paired, summarize


def test_summarize_matches_t_interval():
    values = [0.61, 0.65, 0.70, 0.64]
    s = summarize(values)
    mean = sum(values) / 4
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
    low, high = st.t.interval(0.95, 3, loc=mean, scale=sd / 2)
    assert s["mean"] == pytest.approx(mean) and s["std"] == pytest.approx(sd)
    assert s["ci95"] == pytest.approx([low, high])


def test_single_value_has_no_spread_and_no_interval():
    # one seed says nothing about spread: never a zero-width "95% CI"
    assert summarize([0.5]) == {"mean": 0.5, "std": None, "ci95": None, "n": 1}


def test_paired_difference_removes_shared_seed_variation():
    base = [0.60, 0.70, 0.80]
    aug = [0.62, 0.72, 0.82]
    lift = paired(base, aug)
    assert lift["mean"] == pytest.approx(0.02) and lift["std"] == pytest.approx(0.0, abs=1e-12)


def test_score_intervals_stay_inside_zero_and_one():
    from augmentlab.train.stats import summarize_score

    near_top = [0.97, 1.0, 0.99]
    assert summarize(near_top)["ci95"][1] > 1.0  # the plain t-interval runs past 100%
    s = summarize_score(near_top)
    assert 0.0 <= s["ci95"][0] <= s["mean"] <= s["ci95"][1] <= 1.0 and s["scale"] == "logit"
    assert s["mean"] == pytest.approx(summarize(near_top)["mean"]) and s["std"] == pytest.approx(summarize(near_top)["std"])
    low = summarize_score([0.0, 0.02, 0.01])
    assert 0.0 <= low["ci95"][0] <= low["mean"] <= low["ci95"][1] <= 1.0
    # the logit interval, mapped back
    values = [0.6, 0.7, 0.65]
    z = [math.log(v / (1 - v)) for v in values]
    zl, zh = st.t.interval(0.95, 2, loc=sum(z) / 3, scale=st.tstd(z) / math.sqrt(3))
    assert summarize_score(values)["ci95"] == pytest.approx([1 / (1 + math.exp(-zl)), 1 / (1 + math.exp(-zh))])
    assert summarize_score([0.5])["ci95"] is None
    assert summarize_score([0.8, 0.8, 0.8])["ci95"] == pytest.approx([0.8, 0.8])


def test_standard_error():
    from augmentlab.train.stats import standard_error

    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert standard_error(s) == pytest.approx(s["std"] / 2)
    assert standard_error(summarize([1.0])) is None
