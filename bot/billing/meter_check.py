"""Rules of a meter self-reading (خوداظهاری): is the number plausible, and the mid-period estimate.

A reading is refused when it is below the latest known one (a meter does not run backwards).
It needs the user's confirmation when the use it implies is absurd: more than
MAX_DAILY_PER_UNIT m³ a day per unit, or more than MAX_TIMES_AVERAGE times the subscriber's
average daily use over their recent bills. A stored self-reading and the consumption
alert it may trigger (bot/notify/notices.py) are committed in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.billing.billing import bill_input
from bot.notify import notices
from bot.store.interface import Store
from bot.store.models import Bill, Reading, Subscriber
from tariffs import BillResult, TariffError, compute_bill

MAX_READING = 9_999_999  # seven black digits; more means the red ones were typed too
MAX_DAILY_PER_UNIT = 5
MAX_TIMES_AVERAGE = 10


@dataclass(frozen=True)
class Known:
    """The latest meter number on file and the day it was read."""

    reading: int
    read_on: dt.date


def latest_known(bill: Bill | None, reading: Reading | None) -> Known | None:
    """The most recent of the latest bill's current reading and the latest stored reading."""
    known = []
    if reading is not None:
        known.append(Known(reading.reading, reading.read_on))
    if bill is not None:
        known.append(Known(bill.curr_reading, bill.curr_reading_date))
    return max(known, key=lambda k: (k.read_on, k.reading), default=None)


def average_daily(bills: list[Bill]) -> Decimal | None:
    """Average daily use over some bills (None when they cover no days)."""
    days = sum(b.days for b in bills)
    return sum((b.consumption for b in bills), Decimal(0)) / days if days > 0 else None


class Verdict(StrEnum):
    """What to do with a typed reading."""

    OK = "ok"
    LOWER = "lower"
    HUGE = "huge"


@dataclass(frozen=True)
class Check:
    """The verdict on a reading and the use it implies since the latest known one."""

    verdict: Verdict
    use: int
    days: int
    daily: Decimal


def check_reading(
    value: int, known: Known | None, today: dt.date, units: int, average: Decimal | None,
) -> Check:
    """Lower than the latest known reading, absurdly high (ask to confirm), or fine."""
    if known is None:
        return Check(Verdict.OK, 0, 0, Decimal(0))
    use = value - known.reading
    days = max(1, (today - known.read_on).days)
    daily = Decimal(use) / days
    if use < 0:
        return Check(Verdict.LOWER, use, days, daily)
    too_much = daily > MAX_DAILY_PER_UNIT * max(units, 1)
    unusual = average is not None and average > 0 and daily > MAX_TIMES_AVERAGE * average
    return Check(Verdict.HUGE if too_much or unusual else Verdict.OK, use, days, daily)


@dataclass(frozen=True)
class Estimate:
    """A mid-period (میان‌دوره) bill from the last billed reading to today's self-reading."""

    since: Known
    use: int
    result: BillResult


def estimate(subscriber: Subscriber, bill: Bill | None, reading: Reading | None,
             value: int, today: dt.date) -> Estimate | None:
    """The tariff engine's bill for the use since the last bill (or reading); None if unknown."""
    base = (Known(bill.curr_reading, bill.curr_reading_date) if bill is not None
            else latest_known(None, reading))
    if base is None or value < base.reading:
        return None
    end = max(today, base.read_on + dt.timedelta(days=1))
    try:
        result = compute_bill(bill_input(subscriber, base.read_on, end, base.reading, value))
    except TariffError:
        return None
    return Estimate(base, value - base.reading, result)


async def record(
    store: Store, subscriber: Subscriber, value: int, day: dt.date, chat_id: int,
    photo_file_id: str | None, found: Estimate | None,
) -> int:
    """Store a self-reading and, with it, the alert when the use since the last bill is far
    above the allowed use; return the reading's id."""
    async with store.unit() as uow:
        reading_id = await uow.add_reading(subscriber.id, day, value, "self",
                                           chat_id=chat_id, photo_file_id=photo_file_id)
        if found is not None:
            await notices.consumption_alert(uow, subscriber, found.use, found.result.days,
                                            ref=f"reading:{reading_id}")
    return reading_id
