"""Bi-monthly billing periods (seed 002 item 11: six two-month periods a year).

Period p of Jalali year Y is read on the 28th of month 2p, so a bill's year is the year
of its reading (seed 002 item 12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime

READING_DAY = 28


@dataclass(frozen=True, order=True)
class Period:
    """One Jalali billing period: its year and number (1–6)."""

    year: int
    period: int

    @property
    def read_on(self) -> jdatetime.date:
        """The day the meter is read: the 28th of the period's second month."""
        return jdatetime.date(self.year, 2 * self.period, READING_DAY)

    def previous(self) -> Period:
        """The period before this one."""
        return Period(self.year, self.period - 1) if self.period > 1 else Period(self.year - 1, 6)

    def next(self) -> Period:
        """The period after this one."""
        return Period(self.year, self.period + 1) if self.period < 6 else Period(self.year + 1, 1)


def periods_until(last: Period, count: int) -> list[Period]:
    """`count` consecutive periods ending with `last`, oldest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


def last_read_period(today: dt.date) -> Period:
    """The latest period whose reading day is on or before `today`."""
    j = jdatetime.date.fromgregorian(date=today)
    period = Period(j.year, max(1, j.month // 2))
    while period.read_on > j:
        period = period.previous()
    return period
