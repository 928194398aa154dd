"""Magnitude is declared as data: every op says what m sets, and what depends on it (the
RandAugment / TrivialAugment tables, search spaces, sweeps) reads the declaration."""

import math

import pytest

from augmentlab.ops import REGISTRY
from augmentlab.ops.base import Op
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.policy.presets import RA_PUBLISHED, TA_WIDE, ra_m
from augmentlab.search.space import takes_magnitude


def test_every_op_declares_what_m_sets_and_sweepability_follows_it():
    for name, cls in REGISTRY.items():
        assert cls.uses_magnitude == (cls.magnitude is not None) == takes_magnitude(name), name
    assert REGISTRY["hflip"].magnitude is None and REGISTRY["rotate"].magnitude.describe() == "rotation angle: up to ±90·m degrees"


def test_an_op_without_a_declaration_is_refused():
    class Undeclared(Op):
        name = "undeclared_op_for_test"

        def sample_params(self, g, batch, shape):
            return {}

        def kernel(self, x, params):
            return x

    with pytest.raises(ValueError, match="must declare what m sets"):
        register(Undeclared)
    assert "undeclared_op_for_test" not in REGISTRY


@pytest.mark.parametrize("scale,at_one,m,value", [("linear", 90.0, 0.5, 45.0), ("steps", 7.0, 0.5, 4.0), ("exp2", 2.0, 0.5, 2.0)])
def test_value_at_and_m_for_invert_each_other(scale, at_one, m, value):
    mag = Magnitude("q", at_one, "u", scale=scale)
    assert mag.value_at(m) == pytest.approx(value)
    assert mag.value_at(mag.m_for(value)) == pytest.approx(value)
    assert mag.m_for(mag.value_at(1.0) * 3) == 1.0  # beyond m = 1: capped


@pytest.mark.parametrize("name", sorted(RA_PUBLISHED))
def test_randaugment_maxima_come_back_out_of_the_declared_ranges(name):
    maximum, convert = RA_PUBLISHED[name]
    published = convert(maximum) if convert else maximum
    declared = REGISTRY[name].magnitude
    assert declared.value_at(ra_m(name, 1.0)) == pytest.approx(published, rel=1e-9)
    # AutoAugment's levels are fractions of the same maxima: level 3 of 9 for rotate is 10 degrees
    if name == "rotate":
        assert declared.value_at(ra_m(name, 3 / 9)) == pytest.approx(10.0)


def test_trivialaugment_wide_ranges_are_the_published_ones_capped_at_m_1():
    assert TA_WIDE["rotate"] == 1.0  # 135 degrees exceeds our 90
    assert REGISTRY["shear_x"].magnitude.value_at(TA_WIDE["shear_x"]) == pytest.approx(math.degrees(math.atan(0.99)))
    assert REGISTRY["posterize"].magnitude.value_at(TA_WIDE["posterize"]) == 6.0  # down to 2 bits
    assert TA_WIDE["brightness"] == pytest.approx(0.99) and TA_WIDE["sharpness"] == 1.0  # 0.99 over our 0.9: capped
