"""Persian presentation: digits, money, Jalali dates and times (Asia/Tehran)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import jdatetime

from bot.text.normalise import to_ascii_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
_THOUSANDS = "٬"  # Arabic thousands separator U+066C
_DECIMAL = "٫"  # Arabic decimal separator U+066B

JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)


ECHO_LIMIT = 80  # characters of the user's own text a reply repeats


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """What the user typed, as a reply repeats it («… is not a number»): at most `limit`
    characters, cut with «…», so a long paste cannot push a reply over Telegram's limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(value: int | Decimal, places: int = 0) -> str:
    """A number with Persian digits and separators; `places` decimals, rounded half up."""
    if places:
        q = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        whole, _, frac = f"{abs(q):f}".partition(".")
        sign = "-" if q < 0 else ""
        text = f"{sign}{int(whole):,}".replace(",", _THOUSANDS) + _DECIMAL + frac
    else:
        whole_value = int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        text = f"{whole_value:,}".replace(",", _THOUSANDS)
    return to_persian_digits(text).replace("-", "−")


def rials(amount: int) -> str:
    """Money in rials: ۱٬۲۳۴٬۵۶۷ ریال."""
    return f"{number(amount)} ریال"


def tomans(amount_rials: int) -> str:
    """Money in tomans (rials / 10, rounded half up): ۱۲۳٬۴۵۷ تومان."""
    toman = (Decimal(amount_rials) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{number(int(toman))} تومان"


def digits(value: object) -> str:
    """Any value as text with Persian digits (codes, IDs: no separators)."""
    return to_persian_digits(str(value))


def to_jalali(day: dt.date) -> jdatetime.date:
    """A Gregorian date as a Jalali date."""
    return jdatetime.date.fromgregorian(date=day)


def jalali_date(day: dt.date | jdatetime.date) -> str:
    """۱۴۰۵/۰۹/۰۲ style date."""
    j = day if isinstance(day, jdatetime.date) else to_jalali(day)
    return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def jalali_long(day: dt.date | jdatetime.date) -> str:
    """۲ آذر ۱۴۰۵ style date."""
    j = day if isinstance(day, jdatetime.date) else to_jalali(day)
    return to_persian_digits(f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year}")


def jalali_datetime(moment: dt.datetime) -> str:
    """A moment in Tehran time: ۱۴۰۵/۰۹/۰۲ ساعت ۱۴:۰۵ (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(TEHRAN)
    return f"{jalali_date(local.date())} ساعت {to_persian_digits(local.strftime('%H:%M'))}"


def parse_jalali(text: str) -> jdatetime.date | None:
    """A Jalali date typed as 1405/09/02 (any digits, / - or . separators), or None."""
    raw = to_ascii_digits(text).replace("-", "/").replace(".", "/")
    parts = [p.strip() for p in raw.split("/") if p.strip()]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    year, month, day = (int(p) for p in parts)
    if year < 100:
        year += 1400 if year < 50 else 1300
    try:
        return jdatetime.date(year, month, day)
    except ValueError:
        return None


def now_utc() -> dt.datetime:
    """The current moment, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def tehran_today() -> dt.date:
    """Today's date in Tehran: the day every user-facing «today» means (from 20:30 UTC it
    is already the next day there)."""
    return now_utc().astimezone(TEHRAN).date()
