"""Schedules load from data, keep the seed verbatim, and fail loudly when a file is wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tariffs import ScheduleError, TariffError, get_schedule, list_schedules, load_schedules
from tariffs.common import Ledger
from tariffs.engine import monthly_charge
from tariffs.loader import DATA_DIR
from tariffs.models import SEED_FILE

EA = "east-azarbaijan-urban-1398"

# Seed 001, household table: litres 1000..50000 → monthly charge of one unit (rial).
SEED_TABLE = {
    1: 1518, 2: 3037, 3: 4555, 4: 6073, 5: 7592, 6: 9863, 7: 12135, 8: 14406, 9: 16678,
    10: 18950, 11: 21975, 12: 24999, 13: 28024, 14: 31049, 15: 34074, 16: 38036, 17: 41999,
    18: 45961, 19: 49923, 20: 53885, 21: 59663, 22: 65441, 23: 71219, 24: 76997, 25: 82775,
    26: 91866, 27: 100957, 28: 110047, 29: 119138, 30: 128229, 31: 140619, 32: 153010,
    33: 165401, 34: 177791, 35: 190182, 36: 206707, 37: 223232, 38: 239757, 39: 256282,
    40: 272807, 41: 308612, 42: 344416, 43: 380220, 44: 416025, 45: 451829, 46: 487633,
    47: 523438, 48: 559242, 49: 595046, 50: 630851,
}


def test_ids_and_titles():
    ids = [s.id for s in list_schedules()]
    assert ids == [EA, "isfahan-rural", "khorasan-razavi-rural-1386"]
    assert all(s.title for s in list_schedules())


@pytest.mark.parametrize(("m3", "charge"), SEED_TABLE.items())
def test_household_table_row(m3, charge):
    schedule = get_schedule(EA)
    assert schedule.household.rows[m3 - 1] == charge
    assert monthly_charge(schedule, Decimal(m3), Ledger()) == charge


@pytest.mark.parametrize(
    ("m3", "charge"),
    [
        (Decimal("50.5"), Decimal("666671.5")),  # 71609 × 50.5 − 2949583
        (51, 702476),  # 71609 × 51 − 2949583 = 3652059 − 2949583
        (60, 1346957),  # 71609 × 60 − 2949583 = 4296540 − 2949583
        (100, 4211317),  # 7160900 − 2949583
    ],
)
def test_formula_above_50(m3, charge):
    assert monthly_charge(get_schedule(EA), Decimal(m3), Ledger()) == charge


@pytest.mark.parametrize(
    ("m3", "charge"),
    [
        (Decimal("0.5"), Decimal("759")),  # 0 + 0.5 × 1518
        (Decimal("10.5"), Decimal("20462.5")),  # 18950 + 0.5 × (21975 − 18950)
        (Decimal("25.25"), Decimal("85047.75")),  # 82775 + 0.25 × 9091
        (Decimal("49.9"), Decimal("627270.5")),  # 595046 + 0.9 × 35805
    ],
)
def test_linear_between_rows(m3, charge):
    assert monthly_charge(get_schedule(EA), m3, Ledger()) == charge


def test_every_value_has_a_seed_source():
    for schedule in list_schedules():
        for name in ("household", "hot", "fixed_fee", "sewage", "tax", "patterns", "cost_price"):
            source = getattr(schedule, name).source
            assert source == "decision" or SEED_FILE.match(source)
        for city in schedule.cities.values():
            assert city.source == "decision" or SEED_FILE.match(city.source)


def test_ocr_names_kept_beside_reading():
    cities = get_schedule(EA).cities
    assert (cities["shabestar"].seed_name, cities["shabestar"].name) == ("شمشیر", "شبستر")
    assert (cities["ilkhchi"].seed_name, cities["ilkhchi"].name) == ("المخی", "ایلخچی")
    assert cities["tabriz"].coefficient == Decimal("1.30")
    assert {k for k, c in cities.items() if c.note2} == {
        "tabriz", "maragheh", "shabestar", "bonab", "mianeh", "marand"}


def test_derived_schedule_resolves_base():
    rural = get_schedule("khorasan-razavi-rural-1386")
    base = get_schedule(EA)
    assert rural.derives_from == EA
    assert rural.household == base.household
    assert rural.usage_classes == base.usage_classes
    assert rural.derivation.household_share == Decimal("0.30")
    assert rural.derivation.city_coefficient is False
    assert rural.branch.household.per_unit == 500000
    assert rural.branch.household.sewage_per_unit == 350000
    assert rural.branch.non_household.per_m3 == 285000  # inherited
    assert rural.branch.non_household.max_coefficient == 1  # overridden (تبصره چهار)
    assert rural.desalinated_water.per_litre == 9


def test_unknown_schedule():
    with pytest.raises(TariffError) as err:
        get_schedule("nowhere")
    assert err.value.code == "unknown_schedule"


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    for path in DATA_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('rate: "0.09"', "rate: 0.09", "east-azarbaijan-urban-1398.yaml: tax.rate: Value error, write fractional"),
        ("  above_slope: 71609\n", "  above_slope: 71609\n  colour: blue\n", "household.colour: Extra inputs"),
        ("rows: [1518, 3037,", "rows: [3037,", "household: Value error, rows must hold 50 values"),
        ("per_litre: 9\n  source: 004_b38ca1a569a5d6c1.txt", "per_litre: 9\n  source: seed4",
         "khorasan-razavi-rural-1386.yaml: desalinated_water.source: Value error, source must be"),
        ("inherit: [usage_classes, household, hot,", "inherit: [usage_classes, household, heat,",
         "inherit: the base has no section 'heat'"),
    ],
)
def test_load_error_names_file_field_reason(tmp_path, old, new, expected):
    with pytest.raises(ScheduleError) as err:
        load_schedules(_copy_with(tmp_path, old, new))
    assert expected in str(err.value)
