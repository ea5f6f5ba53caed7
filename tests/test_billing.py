"""bot/billing/billing.py: engine results become bill rows; the fixtures make valid bills."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import jdatetime
import pytest

from bot.billing.billing import (
    COLUMN_LINES,
    bill_input,
    bill_row,
    matches,
    payment_id_for,
    recompute,
)
from bot.domain.identifiers import parse_bill_id, parse_payment_id, parse_subscription
from tariffs import compute_bill
from tests.billing_fixtures import PHONE, seed_bills, seed_subscriber


async def test_seed_subscriber_has_valid_identifiers(store):
    first = await seed_subscriber(store)
    second = await seed_subscriber(store, phone="09350000000")
    for sub in (first, second):
        assert parse_subscription(sub.subscription_number).digits == sub.subscription_number
        assert parse_bill_id(sub.bill_id).digits == sub.bill_id
    assert first.subscription_number != second.subscription_number
    assert first.phone == PHONE and second.phone == "09350000000"


async def test_bill_row_columns_add_up_and_ids_are_valid(store):
    sub = await seed_subscriber(store)
    start, end = jdatetime.date(1404, 1, 28), jdatetime.date(1404, 3, 28)
    result = compute_bill(bill_input(sub, start, end, 1000, 1062, previous_carry=300,
                                     previous_balance=25_000))
    row = bill_row(sub, result, year=1404, period=2, issue_date=end, prev_reading_date=start,
                   curr_reading_date=end, prev_reading=1000, curr_reading=1062,
                   previous_balance=25_000, carry_in=300)
    assert sum(row[c] for c in COLUMN_LINES) == row["total"] == result.total
    assert row["payable"] == result.payable and row["payable"] % 1000 == 0
    assert row["payable"] == result.total + 25_000 + 300 - row["carry_out"]
    assert row["issue_date"] == end.togregorian()
    assert row["due_date"] == end.togregorian() + dt.timedelta(days=14)
    assert row["consumption"] == Decimal(62) and row["days"] == 62
    payment = parse_payment_id(row["payment_id"], parse_bill_id(row["bill_id"]))
    assert payment.amount_rials == row["payable"] and payment.period == 2
    assert payment.year_digit == 4
    codes = [code for code, _ in row["lines"]]
    assert "water_charge" in codes and "tax" in codes and "note2" in codes  # Tabriz levies note 2
    assert row["tax"] == result.line("tax") + result.line("note2")


def test_nothing_payable_has_no_payment_id():
    assert payment_id_for("81010001018", 999, 1404, 2) == ""
    assert payment_id_for("81010001018", -5000, 1404, 2) == ""


async def test_seed_bills_chain_carry_and_readings(store):
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=6, monthly_use=[10, 12, 14, 16, 18, 40],
                             unpaid_balance=120_000)
    assert [(b.year, b.period) for b in bills] == [
        (1403, 3), (1403, 4), (1403, 5), (1403, 6), (1404, 1), (1404, 2)]
    for before, after in itertools.pairwise(bills):
        assert after.prev_reading == before.curr_reading
        assert after.carry_in == before.carry_out
        assert after.prev_reading_date == before.curr_reading_date
    assert all(b.paid_at is not None for b in bills[:-1]) and bills[-1].paid_at is None
    assert bills[-1].previous_balance == 120_000
    assert bills[-1].consumption > bills[-2].consumption
    last = await store.last_reading(sub.id)
    assert last is not None and last.reading == bills[-1].curr_reading


async def test_recompute_matches_stored_bill(store):
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=3)
    for bill in bills:
        assert matches(bill, recompute(sub, bill))


@pytest.mark.parametrize("schedule,city,zone", [
    ("khorasan-razavi-rural-1386", None, None),
    ("isfahan-rural", "mobarakeh", None),
])
async def test_other_schedules_make_bills(store, schedule, city, zone):
    from tariffs import get_schedule

    city = city or next(iter(get_schedule(schedule).cities))
    sub = await seed_subscriber(store, schedule=schedule, city=city, zone=zone)
    bills = await seed_bills(store, sub, periods=2)
    assert all(b.total > 0 and matches(b, recompute(sub, b)) for b in bills)


def test_every_locale_key_built_at_run_time_exists():
    from bot.billing.consumption import CAUSES
    from bot.domain.identifiers import SERVICE_TYPES
    from bot.text.i18n import default_locale
    from handlers.ownership import NUMBER_ERRORS, VERIFY_ERRORS

    locale = default_locale()
    keys = [f"bill_items.{kind}.{code}" for kind in ("labels", "meanings")
            for code in (*COLUMN_LINES, "subscription_number", "payment_id", "carry")]
    keys += [f"tariff.lines.{code}" for codes in COLUMN_LINES.values() for code in codes]
    keys += [f"why.{section}.{code}" for section in ("causes", "checks", "next") for code in CAUSES]
    keys += [f"bills.services.{name}" for name in SERVICE_TYPES.values()]
    keys += [*NUMBER_ERRORS.values(), *VERIFY_ERRORS.values()]
    assert [key for key in keys if not locale.has(key)] == []
    labels = {k for k in locale.strings if k.startswith("bill_items.labels.")}
    meanings = {k.replace(".meanings.", ".labels.") for k in locale.strings
                if k.startswith("bill_items.meanings.")}
    assert labels == meanings and len(labels) == 32  # seed 002 item 18 (+ sewage fee)
