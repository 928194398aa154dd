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
