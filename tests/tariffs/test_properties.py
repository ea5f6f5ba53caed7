"""Hypothesis properties of bills: whole rials, never negative, monotone, steps add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import jdatetime
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffs import BillInput, compute_bill, get_schedule

PLACES = [(s.id, c) for s in [get_schedule("east-azarbaijan-urban-1398"),
                              get_schedule("khorasan-razavi-rural-1386"),
                              get_schedule("isfahan-rural")] for c in s.cities]
USAGES = ["household", "commercial", "industrial", "public", "education", "construction",
          "other", "non_permanent"]

consumption = st.decimals(min_value=0, max_value=2000, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def bills(draw):
    schedule, city = draw(st.sampled_from(PLACES))
    start = jdatetime.date(1398, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
    days = draw(st.integers(1, 120))
    return {
        "schedule": schedule, "city": city, "usage": draw(st.sampled_from(USAGES)),
        "units": draw(st.integers(1, 12)), "non_residential_units": draw(st.integers(0, 3)),
        "start": start, "end": start + dt.timedelta(days=days),
        "contract_capacity": draw(st.none() | st.decimals(min_value=1, max_value=500, places=0)),
        "has_sewage": draw(st.booleans()), "public_revenue_building": draw(st.booleans()),
        "previous_carry": draw(st.integers(-999, 999)),
        "previous_balance": draw(st.integers(-10**6, 10**6)),
    }


@settings(max_examples=300, deadline=None)
@given(bills(), consumption)
def test_whole_rials_non_negative_and_steps_add_up(data, q):
    result = compute_bill(BillInput(**data, consumption=q))
    assert all(isinstance(item.amount, int) and item.amount >= 0 for item in result.lines)
    assert result.total == sum(item.amount for item in result.lines) >= 0
    assert sum(s.result for s in result.steps if s.line) == result.total
    assert result.payable + result.carry == result.total + data["previous_balance"] + data["previous_carry"]
    assert result.payable % 1000 == 0 and abs(result.carry) < 1000
    assert result.subsidy >= 0


@settings(max_examples=300, deadline=None)
@given(bills(), consumption, st.decimals(min_value=0, max_value=200, places=1))
def test_total_never_falls_when_consumption_rises(data, q, more):
    low = compute_bill(BillInput(**data, consumption=q)).total
    high = compute_bill(BillInput(**data, consumption=q + Decimal(more))).total
    assert high >= low
