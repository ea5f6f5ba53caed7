"""Rules of the tariff calculator: its limits, the engine input, and the "what if" answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import jdatetime

from bot.text import fmt
from tariffs import BillInput, BillResult, get_schedule, what_if

DEFAULT_DAYS = 60
MAX_DAYS = 366
MAX_UNITS = 500
MAX_CONSUMPTION = 1_000_000
MAX_CAPACITY = 100_000
LESS_STEPS = (5, 10)
BAND_CHANGE = Decimal("0.05")  # a rate differing by more than 5% starts a new band


def period_ending(end: dt.date, days: int) -> tuple[jdatetime.date, jdatetime.date]:
    """A period of `days` days ending on `end`, as Jalali (start, end)."""
    last = jdatetime.date.fromgregorian(date=end)
    return last - dt.timedelta(days=days), last


def calculator_input(
    schedule: str, usage: str, city: str, units: int, days: int, consumption: int,
    has_sewage: bool, capacity: int | None = None, end: dt.date | None = None,
) -> BillInput:
    """The engine input for a calculator answer: a period of `days` days ending today."""
    start, last = period_ending(end or fmt.tehran_today(), days)
    return BillInput(
        schedule=schedule, usage=usage, city=city, units=units, start=start, end=last,
        consumption=Decimal(consumption), has_sewage=has_sewage,
        contract_capacity=Decimal(capacity) if capacity else None,
    )


def band_floors(schedule_id: str) -> list[int]:
    """Monthly use (m³ per unit) where a household price band starts, from the table's rates."""
    rows = (0, *get_schedule(schedule_id).household.rows)
    rates = [rows[i] - rows[i - 1] for i in range(1, len(rows))]
    floors = [i for i in range(1, len(rates))
              if abs(rates[i] - rates[i - 1]) > BAND_CHANGE * rates[i - 1]]
    return [*floors, len(rates)]


def band_floor(schedule_id: str, monthly_use: Decimal) -> int | None:
    """The lower edge of the band `monthly_use` is in (None in the first band)."""
    below = [f for f in band_floors(schedule_id) if f < monthly_use]
    return below[-1] if below else None


@dataclass(frozen=True)
class WhatIf:
    """The total for a lower use, and why that use was chosen."""

    reason: str  # "less", "pattern" or "band"
    consumption: int
    total: int
    saving: int
    band: int | None = None


def what_if_answers(inp: BillInput, result: BillResult) -> list[WhatIf]:
    """Totals for 5 and 10 m³ less, for staying within the allowed use, and for the lower band."""
    used = result.consumption
    wanted: dict[int, tuple[str, int | None]] = {}
    if used > result.allowed > 0:
        wanted[int(result.allowed)] = ("pattern", None)
    if get_schedule(inp.schedule).usage_classes[inp.usage].household:
        floor = band_floor(inp.schedule, result.monthly_per_unit)
        if floor is not None:
            volume = int(Decimal(floor) * result.days * inp.units / 30)
            if 0 < volume < used:
                wanted.setdefault(volume, ("band", floor))
    for less in LESS_STEPS:
        if used - less > 0:
            wanted.setdefault(int(used - less), ("less", None))
    totals = what_if(inp, sorted(wanted, reverse=True))
    return [
        WhatIf(wanted[int(q)][0], int(q), total, result.total - total, wanted[int(q)][1])
        for q, total in totals
    ]
