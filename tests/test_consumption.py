"""bot/billing/consumption.py: which likely causes «why is it high» names, on bills of the real engine."""

from __future__ import annotations

from decimal import Decimal

from bot.billing.consumption import analyse, history_of, pattern_of
from tests.billing_fixtures import seed_bills, seed_subscriber


async def bills_with(store, uses, last=(1404, 2), **overrides):
    sub = await seed_subscriber(store, **overrides)
    return sub, await seed_bills(store, sub, periods=len(uses), monthly_use=uses, last=last)


async def test_normal_use_names_nothing(store):
    sub, bills = await bills_with(store, [12] * 8)
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.causes == () and not result.high
    assert result.history_count == 6 and Decimal("0.9") < result.ratio < Decimal("1.1")
    assert result.above == 0 and result.allowed == Decimal(18) * bills[-1].days / 30


async def test_steady_overuse_in_summer_is_overuse_and_garden(store):
    sub, bills = await bills_with(store, [25] * 8, last=(1404, 3))
    last = bills[-1]
    assert last.period == 3
    result = analyse(last, bills, pattern=pattern_of(sub, "household"))
    assert result.causes == ("overuse", "garden_livestock")
    assert result.above == last.consumption - result.allowed
    assert result.percent_above > 30


async def test_overuse_in_winter_is_not_garden(store):
    sub, bills = await bills_with(store, [25] * 8, last=(1404, 6))
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.causes == ("overuse",)


async def test_sudden_jump_points_to_leak_first(store):
    sub, bills = await bills_with(store, [10] * 7 + [17])
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.causes == ("leak",)  # 1.7× but still within the pattern
    big = analyse(bills[-1], bills, pattern=Decimal(5))
    assert big.causes[0] == "leak" and "overuse" in big.causes


async def test_big_jump_adds_meter_and_reading(store):
    sub, bills = await bills_with(store, [10] * 7 + [40])
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.causes == ("leak", "faulty_meter", "wrong_reading", "overuse")
    assert result.ratio > 3


async def test_lower_later_reading_puts_wrong_reading_first(store):
    sub, bills = await bills_with(store, [10] * 7 + [20])
    last = bills[-1]
    result = analyse(last, bills, pattern=pattern_of(sub, "household"),
                     later_reading=last.curr_reading - 15)
    assert result.causes[0] == "wrong_reading" and "leak" in result.causes


async def test_meter_status_suspects_meter_and_reading(store):
    sub, bills = await bills_with(store, [12] * 4, meter_status="بخارزدگی")
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.causes == ("faulty_meter", "wrong_reading")


async def test_short_history_compares_with_pattern_only(store):
    sub, bills = await bills_with(store, [30, 30])
    result = analyse(bills[-1], bills, pattern=pattern_of(sub, "household"))
    assert result.history_daily is None and result.ratio is None
    assert result.causes[0] == "overuse"


async def test_non_household_uses_contract_capacity(store):
    sub, bills = await bills_with(store, [15] * 4, usage="commercial",
                                  contract_capacity=Decimal(10), zone=None, city="marand")
    assert pattern_of(sub, "commercial") is None
    result = analyse(bills[-1], bills, pattern=None)
    assert result.by_capacity and result.allowed == bills[-1].allowed
    assert result.causes == ("overuse",)


async def test_history_is_only_earlier_bills(store):
    _, bills = await bills_with(store, [10] * 9)
    assert history_of(bills[2], bills) == [bills[1], bills[0]]
    assert len(history_of(bills[-1], bills)) == 6
