"""Normalisation (bot/text/normalise.py) and Persian presentation (bot/text/fmt.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.fmt import (
    JALALI_MONTHS,
    TEHRAN,
    digits,
    jalali_date,
    jalali_datetime,
    jalali_long,
    number,
    parse_jalali,
    rials,
    to_jalali,
    tomans,
)
from bot.text.normalise import (
    digits_only,
    normalize_text,
    parse_int,
    to_ascii_digits,
    to_persian_digits,
)

# --- bot/text/normalise.py ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian digits
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic digits
        ("۱۲٣٤56", "123456"),  # mixed scripts in one number
        ("۴ و ٤", "4 و 4"),  # Persian ۴ (U+06F4) and Arabic ٤ (U+0664) both become 4
        ("abc ۱", "abc 1"),  # other characters untouched
        ("", ""),  # empty
    ],
)
def test_to_ascii_digits(text: str, expected: str) -> None:
    assert to_ascii_digits(text) == expected


def test_to_persian_digits() -> None:
    assert to_persian_digits("1405/09/02 ab") == "۱۴۰۵/۰۹/۰۲ ab"


@given(st.text("0123456789"))
def test_persian_ascii_round_trip(text: str) -> None:
    assert to_ascii_digits(to_persian_digits(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh → Persian yeh
        ("كريم", "کریم"),  # Arabic kaf → Persian kaf
        ("موسى", "موسی"),  # alef maksura → Persian yeh
        ("خانۀ", "خانهٔ"),  # heh with yeh above → heh + hamza above
        ("  شماره   ۱۲  ", "شماره 12"),  # white space collapsed, digits made ASCII
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ inside a word is kept
        ("خط\nدوم\tسوم", "خط دوم سوم"),  # newlines and tabs collapse
        ("", ""),  # empty
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "09123456789"),  # Persian digits and spaces; leading zero kept
        ("٠٩١٢-٣٤٥-٦٧٨٩", "09123456789"),  # Arabic digits and dashes
        ("12\u200c34", "1234"),  # ZWNJ
        ("12\u00a034", "1234"),  # no-break space
        ("\u200f12\u200e34", "1234"),  # RTL / LTR marks
        ("۱٬۲۳۴٬۵۶۷", "1234567"),  # Arabic thousands separator
        ("1,234،567", "1234567"),  # Latin and Arabic commas
        ("12_34–56—78/9", "123456789"),  # underscore, en and em dash, slash
        ("  ۱۲۳  ", "123"),  # surrounding space
        ("12a34", None),  # a letter
        ("+98 912", None),  # a plus sign
        ("１２", None),  # full-width digits are not accepted
        ("²", None),  # superscript two is a "digit" to str.isdigit but not to us
        ("", None),  # empty
        (" - ", None),  # only separators
    ],
)
def test_digits_only(text: str, expected: str | None) -> None:
    assert digits_only(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234),  # ASCII
        ("۱۲۳۴", 1234),  # Persian
        ("١٢٣٤", 1234),  # Arabic-Indic
        ("۱٬۲۳۴٬۵۶۷", 1_234_567),  # thousands separators
        ("1,234,567", 1_234_567),  # Latin thousands separators
        ("۰", 0),  # zero
        ("007", 7),  # leading zeros
        ("", None),  # empty
        ("abc", None),  # not a number
        ("۱۲ متر", None),  # a unit after the number
    ],
)
def test_parse_int(text: str, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "-5",  # read as 5: a negative number silently becomes positive
        "12.5",  # read as 125: a decimal meter reading grows tenfold
        "۱۲٫۵",  # read as 125: same with the Arabic decimal separator
    ],
)
def test_parse_int_rejects_signs_and_decimals(text: str) -> None:
    assert parse_int(text) is None


@given(st.integers(0, 10**15))
def test_parse_int_reads_formatted_numbers(value: int) -> None:
    assert parse_int(number(value)) == value
    assert parse_int(f"{value:,}") == value


# --- bot/text/fmt.py: numbers and money ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0, 0, "۰"),  # zero
        (999, 0, "۹۹۹"),  # no separator below a thousand
        (1000, 0, "۱٬۰۰۰"),  # first separator
        (1_234_567, 0, "۱٬۲۳۴٬۵۶۷"),  # Arabic thousands separator U+066C
        (-1234, 0, "−۱٬۲۳۴"),  # minus sign U+2212
        (Decimal("1234.5"), 2, "۱٬۲۳۴٫۵۰"),  # decimals padded, Arabic decimal separator
        (Decimal("2.675"), 2, "۲٫۶۸"),  # half up (not banker's rounding)
        (Decimal("2.665"), 2, "۲٫۶۷"),  # half up
        (Decimal("-2.5"), 1, "−۲٫۵"),  # negative with decimals
        (Decimal("-0.001"), 2, "۰٫۰۰"),  # rounds to zero: no minus sign
        (Decimal("-0.005"), 2, "−۰٫۰۱"),  # half up away from zero
        (7, 1, "۷٫۰"),  # an int with places
    ],
)
def test_number(value, places: int, expected: str) -> None:
    assert number(value, places) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.5"), "۳"),  # int() truncates to ۲
        (Decimal("1234.56"), "۱٬۲۳۵"),  # int() truncates to ۱٬۲۳۴
    ],
)
def test_number_rounds_half_up_without_places(value: Decimal, expected: str) -> None:
    assert number(value) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1_234_567, "۱٬۲۳۴٬۵۶۷ ریال"),  # the brief's example
        (0, "۰ ریال"),  # zero
        (500, "۵۰۰ ریال"),  # below a thousand
    ],
)
def test_rials(amount: int, expected: str) -> None:
    assert rials(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1_234_567, "۱۲۳٬۴۵۷ تومان"),  # 123456.7 rounds up
        (1_234_560, "۱۲۳٬۴۵۶ تومان"),  # exact
        (1_234_564, "۱۲۳٬۴۵۶ تومان"),  # 123456.4 rounds down
        (15, "۲ تومان"),  # 1.5: half up
        (4, "۰ تومان"),  # 0.4
        (-15, "−۲ تومان"),  # half away from zero
    ],
)
def test_tomans(amount: int, expected: str) -> None:
    assert tomans(amount) == expected


def test_digits_has_no_separators() -> None:
    assert digits(1234567) == "۱۲۳۴۵۶۷"
    assert digits("0412-ab") == "۰۴۱۲-ab"


# --- bot/text/fmt.py: Jalali dates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "short", "long"),
    [
        (dt.date(2024, 3, 20), "۱۴۰۳/۰۱/۰۱", "۱ فروردین ۱۴۰۳"),  # Nowruz 1403
        (dt.date(2024, 3, 19), "۱۴۰۲/۱۲/۲۹", "۲۹ اسفند ۱۴۰۲"),  # last day of 1402
        (dt.date(2025, 3, 20), "۱۴۰۳/۱۲/۳۰", "۳۰ اسفند ۱۴۰۳"),  # 1403 is a leap year
        (dt.date(2026, 11, 23), "۱۴۰۵/۰۹/۰۲", "۲ آذر ۱۴۰۵"),  # the docstring's example
        (jdatetime.date(1405, 9, 2), "۱۴۰۵/۰۹/۰۲", "۲ آذر ۱۴۰۵"),  # already Jalali
        (jdatetime.date(1399, 10, 11), "۱۳۹۹/۱۰/۱۱", "۱۱ دی ۱۳۹۹"),  # two-digit month
    ],
)
def test_jalali_date_and_long(day, short: str, long: str) -> None:
    assert jalali_date(day) == short
    assert jalali_long(day) == long


def test_to_jalali_and_months() -> None:
    assert to_jalali(dt.date(2024, 3, 20)) == jdatetime.date(1403, 1, 1)
    assert len(JALALI_MONTHS) == 12
    assert JALALI_MONTHS[8] == "آذر"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 21:00 UTC on 19 March 2024 is already 00:30 on Nowruz in Tehran (UTC+3:30).
        (dt.datetime(2024, 3, 19, 21, 0, tzinfo=dt.UTC), "۱۴۰۳/۰۱/۰۱ ساعت ۰۰:۳۰"),
        # 20:29 UTC the same day is still 23:59 of the last day of 1402.
        (dt.datetime(2024, 3, 19, 20, 29, tzinfo=dt.UTC), "۱۴۰۲/۱۲/۲۹ ساعت ۲۳:۵۹"),
        # A naive datetime is taken as UTC.
        (dt.datetime(2024, 3, 19, 21, 0), "۱۴۰۳/۰۱/۰۱ ساعت ۰۰:۳۰"),
        # An aware moment in another zone: 12:00 in Berlin (UTC+1) is 14:30 in Tehran.
        (
            dt.datetime(2024, 1, 10, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
            "۱۴۰۲/۱۰/۲۰ ساعت ۱۴:۳۰",
        ),
        # Summer 2021, when Iran still had daylight saving time (UTC+4:30).
        (dt.datetime(2021, 6, 1, 20, 0, tzinfo=dt.UTC), "۱۴۰۰/۰۳/۱۲ ساعت ۰۰:۳۰"),
        # Summer 2024: no daylight saving time any more (UTC+3:30).
        (dt.datetime(2024, 6, 1, 20, 0, tzinfo=dt.UTC), "۱۴۰۳/۰۳/۱۲ ساعت ۲۳:۳۰"),
    ],
)
def test_jalali_datetime(moment: dt.datetime, expected: str) -> None:
    assert jalali_datetime(moment) == expected


def test_tehran_zone() -> None:
    assert TEHRAN.key == "Asia/Tehran"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1405/09/02", (1405, 9, 2)),  # ASCII with slashes
        ("۱۴۰۵/۰۹/۰۲", (1405, 9, 2)),  # Persian digits
        ("١٤٠٥/٩/٢", (1405, 9, 2)),  # Arabic digits, no zero padding
        ("1405-9-2", (1405, 9, 2)),  # dashes
        ("1405.09.02", (1405, 9, 2)),  # dots
        ("05/9/2", (1405, 9, 2)),  # two-digit year below 50 → 14xx
        ("99/1/1", (1399, 1, 1)),  # two-digit year from 50 → 13xx
        ("1403/12/30", (1403, 12, 30)),  # leap day of 1403
        ("1404/12/30", None),  # 1404 is not a leap year
        ("1405/13/01", None),  # month 13
        ("1405/07/31", None),  # the second half of the year has 30-day months
        ("1405/09", None),  # two parts
        ("1405/09/02/01", None),  # four parts
        ("1405/0a/02", None),  # a letter
        ("", None),  # empty
    ],
)
def test_parse_jalali(text: str, expected: tuple[int, int, int] | None) -> None:
    result = parse_jalali(text)
    if expected is None:
        assert result is None
    else:
        assert result == jdatetime.date(*expected)


@pytest.mark.parametrize(
    "text",
    [
        " 1405/09/02 ",  # surrounding spaces
        "1405 / 09 / 02",  # spaces around the separators
        "۱۴۰۵/۰۹/۰۲\n",  # trailing newline
    ],
)
def test_parse_jalali_tolerates_spaces(text: str) -> None:
    assert parse_jalali(text) == jdatetime.date(1405, 9, 2)


@given(st.dates(dt.date(1930, 1, 1), dt.date(2100, 12, 31)))
def test_jalali_date_parse_round_trip(day: dt.date) -> None:
    assert parse_jalali(jalali_date(day)) == to_jalali(day)
