import numpy as np
import pytest

from augmentlab.quality.metrics import frechet_distance, memorisation, prdc


def _gauss(n, d, shift=0.0, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


def test_frechet_is_zero_for_one_set_and_the_squared_mean_shift_for_a_translated_copy():
    a = _gauss(500, 4)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, a + 3.0) == pytest.approx(4 * 9.0, rel=1e-6)  # same covariance, mean moved by 3 in 4 dims


def test_frechet_matches_the_closed_form_for_diagonal_gaussians():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20000, 2)) * [1.0, 2.0], rng.normal(size=(20000, 2)) * [3.0, 1.0]
    # diagonal covariances: sum over dims of (s_a - s_b)^2
    assert frechet_distance(a, b) == pytest.approx((1 - 3) ** 2 + (2 - 1) ** 2, rel=0.05)


def test_prdc_is_perfect_for_the_same_distribution_and_zero_for_a_distant_one():
    real, fake = _gauss(400, 3, seed=0), _gauss(400, 3, seed=1)
    same = prdc(real, fake)
    assert same["precision"] > 0.9 and same["recall"] > 0.9 and same["coverage"] > 0.9 and 0.7 < same["density"] < 1.3
    far = prdc(real, fake + 100)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_prdc_separates_fidelity_from_diversity():
    real = _gauss(400, 2, seed=0)
    collapsed = np.repeat(real[:1], 400, axis=0) + _gauss(400, 2, seed=2) * 1e-3  # every sample at one real point
    r = prdc(real, collapsed)
    assert r["precision"] == 1.0 and r["recall"] < 0.05 and r["coverage"] < 0.05


def test_memorisation_flags_copies_and_not_fresh_samples():
    train = _gauss(300, 5, seed=0)
    assert memorisation(train, train[:50] + 1e-9)["share"] == 1.0
    assert memorisation(train, _gauss(200, 5, seed=3))["share"] < 0.05
