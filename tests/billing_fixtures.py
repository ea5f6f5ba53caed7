"""Test data: subscribers with valid identifiers and bills computed by the real tariff engine.

Periods follow bot/billing/periods.py (period p of year Y is read on the 28th of month 2p).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.billing.billing import bill_input, bill_row
from bot.billing.periods import Period, periods_until
from bot.domain.identifiers import BillId, SubscriptionNumber
from bot.store.interface import Store
from bot.store.models import Bill, Subscriber
from tariffs import compute_bill

PHONE = "09121234567"
OTHER_PHONE = "09359876543"


def unknown_subscription_number() -> str:
    """A valid subscription number that is not on file and cannot be read as another
    service's bill ID (its second-to-last digit is an unassigned service type)."""
    return next(number.digits for serial in range(90000, 90100)
                if (number := SubscriptionNumber.build("11", "0002", str(serial))).digits[-2] in "07")


async def seed_subscriber(store: Store, **overrides: Any) -> Subscriber:
    """A Tabriz household subscriber with a valid subscription number and bill ID."""
    serial = await store.subscribers_count() + 1
    number = SubscriptionNumber.build("11", "0001", f"{serial:05d}")
    row: dict[str, Any] = {
        "subscription_number": number.digits,
        "file_number": f"{4000 + serial}",
        "bill_id": BillId.build(f"{8100 + serial}{serial:04d}").digits,
        "name": "مریم رضایی",
        "national_id": "0012345679",
        "phone": PHONE,
        "schedule": "east-azarbaijan-urban-1398",
        "city": "tabriz",
        "zone": 3,
        "address": "تبریز، خیابان امام، کوچه ۱۲",
        "usage": "household",
        "units": 1,
        "non_residential_units": 0,
        "diameter": "1/2",
        "contract_capacity": None,
        "has_sewage": True,
        "meter_status": None,
        **overrides,
    }
    await store.add_subscribers([row])
    found = await store.subscriber_by_number(row["subscription_number"])
    assert found is not None
    return found


async def seed_bills(
    store: Store,
    subscriber: Subscriber,
    periods: int = 12,
    monthly_use: int | Sequence[int] = 15,
    *,
    last: tuple[int, int] = (1404, 2),
    first_reading: int = 1200,
    unpaid_balance: int = 0,
) -> list[Bill]:
    """Consecutive bills (oldest first) with their readings; all paid but the last.

    `monthly_use` is m³ per month for every period, or one value per period (oldest first).
    `unpaid_balance` is the debt carried into the last bill.
    """
    uses = [monthly_use] * periods if isinstance(monthly_use, int) else list(monthly_use)
    assert len(uses) == periods
    chain = periods_until(Period(*last), periods)
    prev_date = chain[0].previous().read_on
    prev_reading = first_reading
    await store.add_reading(subscriber.id, prev_date.togregorian(), prev_reading, "reader")
    carry = 0
    rows = []
    for i, (when, use) in enumerate(zip(chain, uses, strict=True)):
        days = (when.read_on - prev_date).days
        reading = prev_reading + round(use * days / 30)
        balance = unpaid_balance if i == periods - 1 else 0
        result = compute_bill(bill_input(subscriber, prev_date, when.read_on, prev_reading,
                                         reading, previous_carry=carry, previous_balance=balance))
        row = bill_row(subscriber, result, year=when.year, period=when.period,
                       issue_date=when.read_on + dt.timedelta(days=2), prev_reading_date=prev_date,
                       curr_reading_date=when.read_on, prev_reading=prev_reading,
                       curr_reading=reading, previous_balance=balance, carry_in=carry)
        if i < periods - 1:
            row["paid_at"] = dt.datetime.combine(row["issue_date"] + dt.timedelta(days=5),
                                                 dt.time(9), tzinfo=dt.UTC)
        rows.append(row)
        await store.add_reading(subscriber.id, when.read_on.togregorian(), reading, "reader")
        carry, prev_date, prev_reading = result.carry, when.read_on, reading
    await store.add_bills(rows)
    return (await store.bills(subscriber.id, limit=periods))[::-1]
