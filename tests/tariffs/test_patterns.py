"""Consumption patterns per place, the rural map and use above the pattern."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffs import TariffError, above_pattern, pattern_for, rural_pattern_map


@pytest.mark.parametrize(
    ("schedule", "city", "pattern", "basis"),
    [
        ("east-azarbaijan-urban-1398", "tabriz", 18, "schedule"),  # decision: decree 1381, cold
        ("khorasan-razavi-rural-1386", "mashhad", 15, "rural_map"),  # urban 18 → rural 15
        ("isfahan-rural", "mobarakeh", 16, "city"),
        ("isfahan-rural", "najafabad", 16, "city"),
        ("isfahan-rural", "kashan", 15, "schedule"),  # seed prints 5; read as 15
    ],
)
def test_pattern_for(schedule, city, pattern, basis):
    result = pattern_for(schedule, city, "household")
    assert (result.per_unit_month, result.basis) == (pattern, basis)
    assert result.source


def test_rural_map():
    assert rural_pattern_map() == {18: 15, 20: 16, 22: 17, 24: 18, 26: 19}
    with pytest.raises(TariffError) as err:
        rural_pattern_map("isfahan-rural")
    assert err.value.code == "no_rural_map"


def test_above_pattern():
    pattern = pattern_for("isfahan-rural", "lenjan")
    # allowed 16 × 2 units × 60/30 = 64; above 80 − 64 = 16 = 25%
    above = above_pattern(pattern, 80, 60, 2)
    assert (above.allowed, above.above, above.percent_above) == (64, 16, 25)
    assert above_pattern(pattern, Decimal(10), 30).above == 0


def test_non_household_has_no_pattern():
    with pytest.raises(TariffError) as err:
        pattern_for("east-azarbaijan-urban-1398", "tabriz", "commercial")
    assert err.value.code == "no_pattern_for_usage"
