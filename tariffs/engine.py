"""A water bill: every line, the explanation steps and the rounding carry."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext

import jdatetime
from pydantic import ConfigDict, field_serializer, field_validator, model_validator

from tariffs.common import (
    PRECISION,
    Checked,
    Ledger,
    LineItem,
    Step,
    check_zone,
    city_of,
    usage_of,
    whole_rials,
)
from tariffs.errors import TariffError
from tariffs.loader import get_schedule
from tariffs.models import City, Frozen, Schedule, UsageClass
from tariffs.patterns import pattern_for

MONTH_NAMES = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)


class BillInput(Checked):
    """What a bill is computed from; invalid input raises TariffError with a `code`."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    schedule: str
    usage: str
    city: str
    zone: int | None = None
    units: int = 1
    non_residential_units: int = 0
    start: jdatetime.date
    end: jdatetime.date
    previous_reading: int | None = None
    current_reading: int | None = None
    consumption: Decimal | None = None
    contract_capacity: Decimal | None = None
    has_sewage: bool = False
    public_revenue_building: bool = False
    previous_carry: int = 0
    previous_balance: int = 0

    @field_validator("consumption", "contract_capacity", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        if isinstance(value, float):
            raise TariffError("invalid_input", "give amounts as int or Decimal, not float")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BillInput:
        if self.end <= self.start:
            raise TariffError("empty_period", "the period must end after it starts")
        if self.units < 1 or self.non_residential_units < 0:
            raise TariffError("bad_units", "units must be at least 1")
        readings = (self.previous_reading, self.current_reading)
        if (None in readings) == (self.consumption is None):
            raise TariffError("no_consumption", "give both readings or the consumption, not both")
        if None not in readings and readings[1] < readings[0]:
            raise TariffError("reading_decreased", "the current reading is below the previous one")
        if self.consumption is not None and self.consumption < 0:
            raise TariffError("negative_consumption", "consumption cannot be negative")
        if self.contract_capacity is not None and self.contract_capacity <= 0:
            raise TariffError("bad_capacity", "contract capacity must be positive")
        return self


class BillResult(Frozen):
    """Every line of a bill, its total, the payable amount and the explanation."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    schedule: str
    usage: str
    city: str
    start: jdatetime.date
    end: jdatetime.date
    lines: tuple[LineItem, ...]
    total: int
    payable: int
    carry: int
    consumption: Decimal
    days: int
    hot_days: int
    monthly_per_unit: Decimal
    average_daily: Decimal
    allowed: Decimal
    excess_use: Decimal
    cost_price_per_m3: int
    subsidy: int
    steps: tuple[Step, ...]

    @field_serializer("start", "end")
    def _jalali(self, day: jdatetime.date) -> str:
        return str(day)

    def line(self, code: str) -> int:
        """Amount of a line, 0 when the bill has no such line."""
        return sum(item.amount for item in self.lines if item.code == code)


def hot_days(schedule: Schedule, start: jdatetime.date, end: jdatetime.date) -> int:
    """Days from `start` (inclusive) to `end` (exclusive) that fall in the hot months."""
    months = set(schedule.hot.months)
    day, first, last = start, start.togregorian(), end.togregorian()
    count = 0
    while day < end:  # a Jalali month at a time: a few steps per bill, not one per day
        following = jdatetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        upto = min(following.togregorian(), last)
        if day.month in months:
            count += (upto - first).days
        day, first = following, upto
    return count


def monthly_charge(schedule: Schedule, m: Decimal, ledger: Ledger, code: str = "table_lookup") -> Decimal:
    """Charge of one unit using `m` m³ in 30 days: the table, linear between rows, or the formula."""
    table = schedule.household
    if m > len(table.rows):
        return ledger.step("above_50", table.above_slope * m + table.above_intercept,
                           monthly_use=m, slope=table.above_slope, intercept=table.above_intercept)
    rows = (0, *table.rows)
    lower = int(m)
    upper = min(lower + 1, len(table.rows))
    charge = rows[lower] + (m - lower) * (rows[upper] - rows[lower])
    return ledger.step(code, charge, monthly_use=m, lower=lower, upper=upper,
                       lower_charge=rows[lower], upper_charge=rows[upper])


def _consumption(inp: BillInput, ledger: Ledger) -> Decimal:
    if inp.consumption is not None:
        return ledger.step("consumption_given", inp.consumption)
    assert inp.previous_reading is not None and inp.current_reading is not None
    return ledger.step("consumption", Decimal(inp.current_reading - inp.previous_reading),
                       previous_reading=inp.previous_reading, current_reading=inp.current_reading)


def _household(s: Schedule, city: City, inp: BillInput, q: Decimal, days: int, hot: int,
               m: Decimal, ledger: Ledger) -> tuple[Decimal, int]:
    """Allowed use and the water charge + hot surcharge of a household bill."""
    derivation = s.derivation
    share = derivation.household_share if derivation else Decimal(1)
    k = city.coefficient if derivation is None or derivation.city_coefficient else Decimal(1)
    pattern = pattern_for(s.id, inp.city, inp.usage).per_unit_month
    allowed = ledger.step("allowed", pattern * inp.units * days / 30,
                          pattern=pattern, units=inp.units, days=days)
    charge = monthly_charge(s, m, ledger)
    water = ledger.line("water_charge", "water_charge",
                        whole_rials(charge * inp.units * days / 30 * k * share),
                        monthly_charge=charge, units=inp.units, days=days, coefficient=k, share=share)
    threshold = s.hot.household_above
    if hot and m > threshold:
        base = monthly_charge(s, threshold, ledger, "hot_threshold")
        ledger.line("hot_surcharge", "hot_surcharge",
                    whole_rials(s.hot.rate * (charge - base) * inp.units * hot / 30 * k * share),
                    rate=s.hot.rate, monthly_charge=charge, threshold_charge=base,
                    units=inp.units, hot_days=hot, coefficient=k, share=share)
    excess = max(Decimal(0), q - allowed)
    rate = s.household_excess.rate_per_m3 * (derivation.excess_penalty_share if derivation else 1)
    if excess and rate:
        ledger.line("excess", "excess_household", whole_rials(excess * rate),
                    excess_use=excess, rate=rate)
    return allowed, water


def _non_household(s: Schedule, city: City, usage: UsageClass, inp: BillInput, q: Decimal,
                   days: int, hot: int, ledger: Ledger) -> tuple[Decimal, int]:
    """Allowed use (contract capacity) and the water charge of a non-household bill."""
    k = max(city.coefficient, s.non_household.min_coefficient)
    rate = usage.rate or 0
    if inp.contract_capacity is None:
        allowed = ledger.step("allowed_no_capacity", q)
    else:
        allowed = ledger.step("allowed_capacity", inp.contract_capacity * days / 30,
                              capacity=inp.contract_capacity, days=days)
    billed = min(q, allowed)
    exact = billed * rate * k
    water = ledger.line("water_charge", "water_charge_class", whole_rials(exact),
                        billed_use=billed, rate=rate, coefficient=k)
    if hot:
        ledger.line("hot_surcharge", "hot_surcharge_class", whole_rials(exact * s.hot.rate * hot / days),
                    water_charge=exact, rate=s.hot.rate, hot_days=hot, days=days)
    excess = q - billed
    if excess:
        free = s.usage_classes[s.non_household.excess_class].rate or 0
        ledger.line("excess", "excess_capacity", whole_rials(excess * free * k),
                    excess_use=excess, rate=free, coefficient=k)
    return allowed, water


def _shares(s: Schedule, city: City, usage: UsageClass, inp: BillInput, days: int, ledger: Ledger) -> None:
    """Fixed fees and the lines levied as a share of the water charge, then the tax."""
    per_unit = s.fixed_fee.per_unit_month
    units = inp.units + inp.non_residential_units
    ledger.line("fixed_fee", "fixed_fee", whole_rials(Decimal(per_unit) * units * days / 30),
                fee=per_unit, units=units, days=days)
    water = sum(i.amount for i in ledger.lines if i.code in ("water_charge", "hot_surcharge"))
    if inp.has_sewage:
        ledger.line("sewage_fixed_fee", "sewage_fixed_fee",
                    whole_rials(per_unit * s.fixed_fee.sewage_share * units * days / 30),
                    fee=per_unit, share=s.fixed_fee.sewage_share, units=units, days=days)
        share = s.sewage.household_share if usage.household else s.sewage.non_household_share
        ledger.line("sewage_fee", "sewage_fee", whole_rials(water * share), water_charge=water, share=share)
    if s.note2 and city.note2 and not inp.public_revenue_building:
        ledger.line("note2", "note2", whole_rials(water * s.note2.rate), water_charge=water, rate=s.note2.rate)
    if s.supply_project and city.supply_project:
        proj = s.supply_project
        share = proj.household_share if usage.household else proj.non_household_share
        ledger.line("supply_project", "supply_project", whole_rials(water * share),
                    water_charge=water, share=share)
    if s.tax.rate:
        base = sum(i.amount for i in ledger.lines if i.code in s.tax.applies_to)
        ledger.line("tax", "tax", whole_rials(base * s.tax.rate), base=base, rate=s.tax.rate)


def _carry(unit: int, amount: int) -> int:
    """The part of `amount` below `unit`, toward zero (so payable is a whole multiple of unit)."""
    return amount % unit if amount >= 0 else -((-amount) % unit)


def compute_bill(inp: BillInput) -> BillResult:
    """Compute a bill: lines in whole rials (each rounded half up at its step) and the explanation."""
    s = get_schedule(inp.schedule)
    city = city_of(s, inp.city)
    usage = usage_of(s, inp.usage)
    check_zone(city, inp.zone)
    ledger = Ledger()
    with localcontext(prec=PRECISION):
        days = ledger.step("days", (inp.end - inp.start).days, start=inp.start.strftime("%Y/%m/%d"), end=inp.end.strftime("%Y/%m/%d"))
        q = _consumption(inp, ledger)
        average = ledger.step("average_daily", q / days, consumption=q, days=days)
        m = ledger.step("monthly_use", 30 * q / (days * inp.units), consumption=q, days=days, units=inp.units)
        hot = hot_days(s, inp.start, inp.end)
        months = "، ".join(MONTH_NAMES[i - 1] for i in s.hot.months)
        ledger.step("hot_days", hot, days=days, months=months)
        if usage.household:
            allowed, _ = _household(s, city, inp, q, days, hot, m, ledger)
        else:
            allowed, _ = _non_household(s, city, usage, inp, q, days, hot, ledger)
        excess = ledger.step("excess_use", max(Decimal(0), q - allowed), consumption=q, allowed=allowed)
        _shares(s, city, usage, inp, days, ledger)
        total = ledger.step("total", ledger.total())
        water = sum(i.amount for i in ledger.lines if i.code in ("water_charge", "hot_surcharge"))
        cost = ledger.step("cost_price", whole_rials(s.cost_price.per_m3 * q),
                           cost_price=s.cost_price.per_m3, consumption=q)
        subsidy = ledger.step("subsidy", max(0, cost - water), cost=cost, water_charge=water)
        raw = ledger.step("before_rounding", total + inp.previous_balance + inp.previous_carry,
                          total=total, previous_balance=inp.previous_balance,
                          previous_carry=inp.previous_carry)
        carry = ledger.step("carry", _carry(s.rounding.carry_unit, raw), amount=raw, unit=s.rounding.carry_unit)
        payable = ledger.step("payable", raw - carry, amount=raw, carry=carry)
    return BillResult(
        schedule=s.id, usage=inp.usage, city=inp.city, start=inp.start, end=inp.end,
        lines=tuple(ledger.lines), total=total, payable=payable, carry=carry, consumption=q,
        days=days, hot_days=hot, monthly_per_unit=m, average_daily=average, allowed=allowed,
        excess_use=excess, cost_price_per_m3=s.cost_price.per_m3, subsidy=subsidy,
        steps=tuple(ledger.steps),
    )


def what_if(inp: BillInput, consumptions: Iterable[Decimal | int]) -> list[tuple[Decimal, int]]:
    """The bill total for each consumption (other inputs unchanged)."""
    base = inp.model_dump()
    base.update(previous_reading=None, current_reading=None)
    return [
        (Decimal(q), compute_bill(BillInput(**{**base, "consumption": Decimal(q)})).total)
        for q in consumptions
    ]
