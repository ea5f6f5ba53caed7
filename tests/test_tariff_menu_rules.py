"""Rules behind the «📊 تعرفه و مصرف» flows: places, what-ifs, reading checks, topic data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bot.billing.meter_check import Known, Verdict, average_daily, check_reading, latest_known
from bot.billing.tariff_estimate import band_floor, band_floors, calculator_input, what_if_answers
from bot.domain.info_topics import load_topics, problems, topics
from bot.domain.places import find_places, page, places
from bot.store.models import Reading
from bot.text.i18n import default_locale
from tariffs import compute_bill

DAY = dt.date(2026, 11, 23)
TABRIZ = "east-azarbaijan-urban-1398"


def test_band_floors_follow_the_seed_table():
    assert band_floors(TABRIZ) == [5, 10, 15, 20, 25, 30, 35, 40, 50]
    assert band_floor(TABRIZ, Decimal(3)) is None
    assert band_floor(TABRIZ, Decimal(10)) == 5
    assert band_floor(TABRIZ, Decimal("10.5")) == 10
    assert band_floor(TABRIZ, Decimal(70)) == 50


def test_what_if_totals_fall_with_use_and_name_the_band():
    inp = calculator_input(TABRIZ, "household", "tabriz", 1, 60, 70, False, end=DAY)
    result = compute_bill(inp)
    answers = what_if_answers(inp, result)
    assert [(a.reason, a.consumption) for a in answers] == [
        ("less", 65), ("band", 60), ("pattern", 36)]
    assert answers[1].band == 30  # 35 m³ a month is in band 30–35; 30 a month = 60 m³ in 60 days
    assert all(a.saving == result.total - a.total > 0 for a in answers)
    assert [a.total for a in answers] == sorted((a.total for a in answers), reverse=True)


def test_no_what_if_below_zero():
    inp = calculator_input(TABRIZ, "household", "tabriz", 1, 60, 3, False, end=DAY)
    assert what_if_answers(inp, compute_bill(inp)) == []


def test_period_ends_on_the_given_day():
    inp = calculator_input(TABRIZ, "household", "tabriz", 1, 60, 10, False, end=DAY)
    assert inp.end.togregorian() == DAY and (inp.end - inp.start).days == 60


@pytest.mark.parametrize(("typed", "expected"), [
    ("تبریز", ["tabriz"]), ("تبريز", ["tabriz"]), ("توریز", ["tabriz"]),
    ("شهرستان مبارکه", ["mobarakeh"]), ("نجف آباد", ["najafabad"]),
    ("آران و بیدگل", ["aran_bidgol"]), ("ت", []), ("لندن", []),
])
def test_find_places(typed, expected):
    assert [p.city for p in find_places(typed)] == expected


def test_find_places_within_a_schedule_and_pages():
    assert [p.city for p in find_places("تربت", "khorasan-razavi-rural-1386")] == [
        "torbat_heydarieh", "torbat_jam"]
    assert find_places("تبریز", "isfahan-rural") == []
    all_places = places(TABRIZ)
    shown, number, pages = page(all_places, 99)
    assert (number, pages, len(shown)) == (2, 3, 2)
    assert page(all_places, -1)[1] == 0


def known(reading: int, days_ago: int) -> Known:
    return Known(reading, DAY - dt.timedelta(days=days_ago))


def test_check_reading_verdicts():
    usual = Decimal("0.5")
    assert check_reading(990, known(1000, 30), DAY, 1, usual).verdict is Verdict.LOWER
    assert check_reading(1000, known(1000, 30), DAY, 1, usual).verdict is Verdict.OK
    assert check_reading(1100, known(1000, 30), DAY, 1, usual).verdict is Verdict.OK  # 3.3/day
    assert check_reading(1200, known(1000, 30), DAY, 1, usual).verdict is Verdict.HUGE  # 6.7/day
    assert check_reading(1200, known(1000, 30), DAY, 2, None).verdict is Verdict.OK
    assert check_reading(1200, known(1000, 30), DAY, 2, Decimal("0.6")).verdict is Verdict.HUGE
    same_day = check_reading(1010, known(1000, 0), DAY, 1, usual)
    assert (same_day.verdict, same_day.days, same_day.daily) == (Verdict.HUGE, 1, 10)
    assert check_reading(5, None, DAY, 1, None).verdict is Verdict.OK


def test_latest_known_and_average():
    reading = Reading(1, 1, DAY, 1500, "self", None)
    assert latest_known(None, reading) == Known(1500, DAY)
    assert latest_known(None, None) is None
    assert average_daily([]) is None


def test_bundled_topics_match_the_locale():
    assert [item.id for item in topics()][:2] == ["pattern", "incident"]
    assert problems(topics(), default_locale()) == []


def test_a_broken_topic_is_reported(tmp_path: Path):
    path = tmp_path / "info.yaml"
    path.write_text(
        "topics:\n"
        "  - {id: a, order: 2, title: info.titles.nope, body: info.bodies.incident, source: s}\n"
        "  - {id: b, order: 1, kind: list, title: info.titles.pattern, body: info.bodies.incident,"
        " source: s}\n",
        encoding="utf-8",
    )
    loaded = load_topics(path)
    assert [item.id for item in loaded] == ["b", "a"]
    assert problems(loaded, default_locale()) == [
        "b: missing list info.bodies.incident",
        "a: missing title info.titles.nope",
        "a: info.bodies.incident takes ['emergency']",
    ]
    path.write_text("topics:\n  - {id: a, order: 1, title: x, body: y, source: s}\n"
                    "  - {id: a, order: 2, title: x, body: y, source: s}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_topics(path)
