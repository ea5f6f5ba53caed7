"""A bill in Persian: every item of domain.md section 5 (seed 002 item 18), Jalali dates,
Persian digits, and the bill ID and payment ID to pay with. Text only; labels from the locale.

Money rows are the six bill columns (see bot/billing/billing.py); a column that joins several engine
lines (hot-month surcharge, sewage fixed fee, note 2) lists them as parts under it.
"""

from __future__ import annotations

from decimal import Decimal

from bot.billing.billing import COLUMN_LINES
from bot.store.models import Bill, Subscriber
from bot.text import fmt
from bot.text.i18n import t
from tariffs import TariffError, get_schedule
from tariffs.render import show


def volume(value: Decimal | int) -> str:
    """A volume in Persian digits: whole numbers plain, fractions to at most 3 places."""
    return show(fmt, "", Decimal(value))


def m3(value: Decimal | int) -> str:
    """«۳۷٫۲ مترمکعب»."""
    return t("bills.m3", value=volume(value))


def period_label(year: int, period: int) -> str:
    """A period's short name, «۱۴۰۴-۳»."""
    return t("chart.period", year=year, period=period)


def usage_name(schedule: str, usage: str) -> str:
    """The Persian name of a usage class (the id itself if the schedule lacks it)."""
    try:
        found = get_schedule(schedule).usage_classes.get(usage)
    except TariffError:
        found = None
    return found.name if found else usage


def city_name(schedule: str, city: str) -> str:
    """The Persian name of a city of a schedule (the id itself if unknown)."""
    try:
        found = get_schedule(schedule).cities.get(city)
    except TariffError:
        found = None
    return found.name if found else city


def _row(code: str, value: str) -> str:
    return t("bills.row", label=t(f"bill_items.labels.{code}"), value=value)


def _balance(amount: int) -> str:
    if amount > 0:
        return t("bills.balance_debt", amount=fmt.rials(amount))
    if amount < 0:
        return t("bills.balance_credit", amount=fmt.rials(-amount))
    return t("bills.balance_none")


def money_rows(bill: Bill) -> list[str]:
    """The six charge columns, each followed by the engine lines it joins (when more than one)."""
    lines = dict(bill.lines)
    out = []
    for column, codes in COLUMN_LINES.items():
        out.append(_row(column, fmt.rials(getattr(bill, column))))
        for code in codes[1:]:
            if lines.get(code):
                out.append(t("bills.part", label=t(f"tariff.lines.{code}"),
                             value=fmt.rials(lines[code])))
    return out


def render_bill(bill: Bill, subscriber: Subscriber, nickname: str) -> str:
    """The full bill as one Persian message."""
    rows = [
        t("bills.header", nickname=nickname, period=bill.period, year=bill.year),
        _row("subscription_number", fmt.digits(subscriber.subscription_number)),
        _row("file_number", fmt.digits(subscriber.file_number or "—")),
        _row("usage", usage_name(subscriber.schedule, bill.usage)),
        _row("units", t("bills.units_value", units=bill.units)),
        _row("non_residential_units", t("bills.units_value", units=bill.non_residential_units)),
        _row("diameter", t("bills.diameter_value", diameter=fmt.digits(bill.diameter))),
        _row("meter_status", bill.meter_status or t("bills.meter_ok")),
        _row("issue_date", fmt.jalali_date(bill.issue_date)),
        _row("period", t("bills.period_value", period=bill.period)),
        _row("year", fmt.digits(bill.year)),
        t("bills.section_use"),
        _row("reading_dates", t("bills.pair", previous=fmt.jalali_date(bill.prev_reading_date),
                                current=fmt.jalali_date(bill.curr_reading_date))),
        _row("readings", t("bills.pair", previous=fmt.digits(bill.prev_reading),
                           current=fmt.digits(bill.curr_reading))),
        _row("days", t("bills.days_value", days=bill.days)),
        _row("consumption", m3(bill.consumption)),
        _row("average_daily", t("bills.m3_per_day", value=volume(bill.average_daily))),
        _row("allowed", m3(bill.allowed)),
        _row("excess_use", m3(bill.excess_use)),
        t("bills.section_money"),
        *money_rows(bill),
        _row("total", fmt.rials(bill.total)),
        _row("previous_balance", _balance(bill.previous_balance)),
        _row("carry", t("bills.carry_value", carry_in=fmt.rials(bill.carry_in),
                        carry_out=fmt.rials(bill.carry_out))),
        _row("cost_price", t("bills.per_m3", amount=fmt.rials(bill.cost_price_per_m3))),
        _row("subsidy", fmt.rials(bill.subsidy)),
        t("bills.section_pay"),
        _row("payable", fmt.rials(bill.payable)),
        _row("due_date", fmt.jalali_date(bill.due_date)),
        _row("bill_id", fmt.digits(bill.bill_id)),
        _row("payment_id", fmt.digits(bill.payment_id) if bill.payment_id
             else t("bills.no_payment_id")),
        paid_status(bill),
    ]
    return "\n".join(rows)


def paid_status(bill: Bill) -> str:
    """«paid on <date> (reference …)», or how to pay."""
    if bill.paid_at is None:
        return t("bills.unpaid")
    date = fmt.jalali_date(bill.paid_at.astimezone(fmt.TEHRAN).date())
    if bill.payment_ref:
        return t("bills.paid_ref", date=date, reference=fmt.digits(bill.payment_ref))
    return t("bills.paid", date=date)


def render_public(bill: Bill) -> str:
    """What a bank's bill inquiry shows from the bill ID alone: the period and year, the
    consumption, the amount payable, the due date and whether it is paid. No name, address,
    subscription number, readings, history or chart (those need ownership proof)."""
    return "\n".join([
        t("inquiry.header", period=bill.period, year=bill.year),
        _row("bill_id", fmt.digits(bill.bill_id)),
        _row("consumption", m3(bill.consumption)),
        _row("payable", fmt.rials(bill.payable)),
        _row("due_date", fmt.jalali_date(bill.due_date)),
        paid_status(bill) if bill.paid_at else (t("inquiry.unpaid") if bill.payment_id
                                                 else t("bills.no_payment_id")),
    ])
