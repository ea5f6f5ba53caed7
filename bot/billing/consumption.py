"""«Why is my bill high?»: compare a bill's use with the pattern and the subscriber's own
history, and decide which likely causes of seed 002 item 17 to name. Rules only; the
handler turns the cause codes into Persian (locale section `why`).

Rules (daily use is compared, so periods of different length compare fairly):

* history = the average daily use of up to `HISTORY` earlier bills (needs `MIN_HISTORY`);
  ratio = this bill's daily use ÷ that average.
* `overuse`          — use above the allowed use: pattern (tariffs.pattern_for) × units ×
                       days ÷ 30 for household, else the contract capacity on the bill.
* `leak`             — ratio ≥ `JUMP`: a sudden rise is the sign of a broken pipe after the
                       meter (checked by shutting every tap and watching the meter).
* `faulty_meter`     — ratio ≥ `BIG_JUMP`, or the reader noted a meter status (fogged,
                       stuck, …): a meter that runs too fast or could not be read.
* `wrong_reading`    — ratio ≥ `JUMP` followed by a later reading that is below this bill's
                       current reading (the meter cannot run back: the reader over-read), or
                       a meter status (the reading may be an estimate), or ratio ≥ `BIG_JUMP`.
* `garden_livestock` — a household bill above the pattern in a period with hot-month days
                       (garden watering and livestock are seasonal), unless the rise is a
                       `BIG_JUMP` (a garden does not multiply the use from one period to the next).

Causes are ordered from the most to the least likely for the facts found. No cause at all
means the use looks normal (`high` is False).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.store.models import Bill, Subscriber
from tariffs import TariffError, pattern_for

HISTORY = 6
MIN_HISTORY = 2
JUMP = Decimal("1.5")
BIG_JUMP = Decimal("2.5")
HOT_PERIODS = frozenset({2, 3, 4, 5})  # periods with days in the hot months 3–6 and 8

CAUSES = ("overuse", "leak", "faulty_meter", "wrong_reading", "garden_livestock")


@dataclass(frozen=True)
class Analysis:
    """What the comparison found about one bill."""

    consumption: Decimal
    days: int
    daily: Decimal
    allowed: Decimal
    above: Decimal
    percent_above: Decimal
    by_capacity: bool
    history_count: int
    history_daily: Decimal | None
    ratio: Decimal | None
    causes: tuple[str, ...]

    @property
    def high(self) -> bool:
        """Whether anything points to a higher use than expected."""
        return bool(self.causes)


def history_of(bill: Bill, bills: Sequence[Bill]) -> list[Bill]:
    """Up to `HISTORY` bills before `bill` (newest first), from any list of the same subscriber."""
    earlier = [b for b in bills if (b.year, b.period) < (bill.year, bill.period)]
    earlier.sort(key=lambda b: (b.year, b.period), reverse=True)
    return earlier[:HISTORY]


def pattern_of(subscriber: Subscriber, usage: str) -> Decimal | None:
    """The household pattern (m³ per unit per month) of the subscriber's place, or None when
    the usage class is not household (then the contract capacity is the allowed use)."""
    try:
        return pattern_for(subscriber.schedule, subscriber.city, usage).per_unit_month
    except TariffError:
        return None


def analyse(
    bill: Bill, bills: Sequence[Bill], *, pattern: Decimal | None,
    later_reading: int | None = None,
) -> Analysis:
    """Compare `bill` with its allowed use and the earlier ones in `bills`; name likely causes.

    `pattern` comes from `pattern_of` (None: the bill's own allowed use, the contract
    capacity, is used). `later_reading` is the lowest meter reading taken after the bill
    (self-declared or by a reader), if any.
    """
    household = pattern is not None
    allowed = pattern * bill.units * bill.days / 30 if pattern is not None else bill.allowed
    daily = bill.consumption / bill.days
    earlier = history_of(bill, bills)
    history_daily = ratio = None
    if len(earlier) >= MIN_HISTORY:
        history_daily = sum(b.consumption for b in earlier) / sum(b.days for b in earlier)
        ratio = daily / history_daily if history_daily else None
    above = max(Decimal(0), bill.consumption - allowed)
    percent = above * 100 / allowed if allowed else Decimal(0)
    jump = ratio is not None and ratio >= JUMP
    big_jump = ratio is not None and ratio >= BIG_JUMP
    status = bool(bill.meter_status)
    over_read = later_reading is not None and later_reading < bill.curr_reading
    found = {
        "overuse": above > 0,
        "leak": jump,
        "faulty_meter": big_jump or status,
        "wrong_reading": over_read or status or big_jump,
        "garden_livestock": household and above > 0 and bill.period in HOT_PERIODS
        and not big_jump,
    }
    order = list(CAUSES)
    if over_read:
        order.remove("wrong_reading")
        order.insert(0, "wrong_reading")
    elif jump:
        order.remove("overuse")
        order.insert(3, "overuse")
    return Analysis(
        consumption=bill.consumption, days=bill.days, daily=daily, allowed=allowed,
        above=above, percent_above=percent, by_capacity=not household,
        history_count=len(earlier), history_daily=history_daily, ratio=ratio,
        causes=tuple(code for code in order if found[code]),
    )
