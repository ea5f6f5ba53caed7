"""Turn a tariff engine result into a stored bill, and a subscriber into the engine's input.

How the engine's line items map to the `bills` columns (the full list of lines is kept
in `lines` too, so nothing is lost):

* water_charge   = آب‌بها + افزایش ماه‌های گرم (water_charge + hot_surcharge)
* fixed_fee      = آبونمان آب (fixed_fee)
* sewage_fee     = کارمزد دفع فاضلاب + آبونمان فاضلاب (sewage_fee + sewage_fixed_fee)
* tax            = مالیات + عوارض (tax + note2; seed 002 item 22 «عوارض و مالیات»)
* excess_charge  = مصرف مازاد (excess)
* supply_project = طرح آبرسانی (supply_project)

so the six columns add up to `total`. The payment ID carries the payable amount in
thousands of rials (national standard); when nothing is payable (less than 1,000 rials,
or a credit) the bill has no payment ID and `payment_id` is the empty string.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import jdatetime

from bot.domain.identifiers import PaymentId, parse_bill_id
from bot.store.models import Bill, Subscriber
from tariffs import BillInput, BillResult, compute_bill

COLUMN_LINES: dict[str, tuple[str, ...]] = {
    "water_charge": ("water_charge", "hot_surcharge"),
    "fixed_fee": ("fixed_fee",),
    "sewage_fee": ("sewage_fee", "sewage_fixed_fee"),
    "tax": ("tax", "note2"),
    "excess_charge": ("excess",),
    "supply_project": ("supply_project",),
}
VOLUME_PLACES = Decimal("0.001")
MIN_PAYMENT = 1000


def gregorian(day: dt.date | jdatetime.date) -> dt.date:
    """A date as a Gregorian `datetime.date` (Jalali dates are converted)."""
    if isinstance(day, jdatetime.date):
        return day.togregorian()
    return day


def jalali(day: dt.date | jdatetime.date) -> jdatetime.date:
    """A date as a `jdatetime.date` (Gregorian dates are converted)."""
    if isinstance(day, jdatetime.date):
        return day
    return jdatetime.date.fromgregorian(date=day)


def volume(value: Decimal) -> Decimal:
    """A volume rounded to litres (3 places), as stored in the bills table."""
    return Decimal(value).quantize(VOLUME_PLACES)


def bill_input(
    subscriber: Subscriber,
    start: dt.date | jdatetime.date,
    end: dt.date | jdatetime.date,
    prev_reading: int,
    curr_reading: int,
    previous_carry: int = 0,
    previous_balance: int = 0,
) -> BillInput:
    """The engine's input for a subscriber's period between two readings."""
    return BillInput(
        schedule=subscriber.schedule,
        usage=subscriber.usage,
        city=subscriber.city,
        zone=subscriber.zone,
        units=subscriber.units,
        non_residential_units=subscriber.non_residential_units,
        start=jalali(start),
        end=jalali(end),
        previous_reading=prev_reading,
        current_reading=curr_reading,
        contract_capacity=subscriber.contract_capacity,
        has_sewage=subscriber.has_sewage,
        previous_carry=previous_carry,
        previous_balance=previous_balance,
    )


def payment_id_for(bill_id: str, payable: int, year: int, period: int) -> str:
    """The payment ID of a payable amount, or "" when there is nothing to pay."""
    if payable < MIN_PAYMENT:
        return ""
    return PaymentId.build(parse_bill_id(bill_id), payable, year, period).digits


def bill_row(
    subscriber: Subscriber,
    result: BillResult,
    *,
    year: int,
    period: int,
    issue_date: dt.date | jdatetime.date,
    prev_reading_date: dt.date | jdatetime.date,
    curr_reading_date: dt.date | jdatetime.date,
    prev_reading: int,
    curr_reading: int,
    previous_balance: int = 0,
    carry_in: int = 0,
    due_days: int = 14,
) -> dict[str, Any]:
    """The columns of a `bills` row (for `store.add_bills`) from an engine result."""
    issued = gregorian(issue_date)
    row: dict[str, Any] = {
        "subscriber_id": subscriber.id,
        "year": year,
        "period": period,
        "issue_date": issued,
        "bill_id": subscriber.bill_id,
        "payment_id": payment_id_for(subscriber.bill_id, result.payable, year, period),
        "usage": subscriber.usage,
        "units": subscriber.units,
        "non_residential_units": subscriber.non_residential_units,
        "diameter": subscriber.diameter,
        "meter_status": subscriber.meter_status,
        "prev_reading_date": gregorian(prev_reading_date),
        "curr_reading_date": gregorian(curr_reading_date),
        "prev_reading": prev_reading,
        "curr_reading": curr_reading,
        "days": result.days,
        "consumption": volume(result.consumption),
        "average_daily": volume(result.average_daily),
        "allowed": volume(result.allowed),
        "excess_use": volume(result.excess_use),
        "total": result.total,
        "previous_balance": previous_balance,
        "carry_in": carry_in,
        "carry_out": result.carry,
        "cost_price_per_m3": result.cost_price_per_m3,
        "subsidy": result.subsidy,
        "payable": result.payable,
        "due_date": issued + dt.timedelta(days=due_days),
        "paid_at": None,
        "lines": [(item.code, item.amount) for item in result.lines],
    }
    for column, codes in COLUMN_LINES.items():
        row[column] = sum(result.line(code) for code in codes)
    return row


def recompute(subscriber: Subscriber, bill: Bill) -> BillResult:
    """Compute a stored bill again from its own inputs (usage and units as billed).

    Raises `tariffs.TariffError` when the inputs are not computable (e.g. an imported
    bill of a place or class the schedules do not have).
    """
    as_billed = dataclasses.replace(
        subscriber, usage=bill.usage, units=bill.units,
        non_residential_units=bill.non_residential_units,
    )
    return compute_bill(bill_input(
        as_billed, bill.prev_reading_date, bill.curr_reading_date, bill.prev_reading,
        bill.curr_reading, previous_carry=bill.carry_in, previous_balance=bill.previous_balance,
    ))


def matches(bill: Bill, result: BillResult) -> bool:
    """Whether a recomputation gives the stored bill's total and payable amount."""
    return result.total == bill.total and result.payable == bill.payable
