"""Worked bill examples (each row shows its arithmetic), error codes, carry and what-if."""

from __future__ import annotations

from decimal import Decimal

import jdatetime
import pytest

from tariffs import TariffError, compute_bill, what_if


def jd(text: str) -> jdatetime.date:
    """1398/07/01 → jdatetime.date."""
    return jdatetime.date(*(int(p) for p in text.split("/")))


KH = "khorasan-razavi-rural-1386"
IS = "isfahan-rural"

# Lines are rounded half up to whole rials where they are computed; 30-day periods of مهر
# (1398/07/01 → 1398/08/01, آبان excluded as the end day) have no hot days.
HOUSEHOLD = [
    pytest.param(
        {"city": "tabriz"},
        # m = 30×20/(30×1) = 20 → table 53,885; water 53,885 × 1.30 = 70,050.5 → 70,051
        # fixed 10,000 × 1 × 30/30; تبصره ۲ 10% × 70,051 = 7,005.1 → 7,005
        # VAT 9% × (70,051 + 10,000) = 7,204.59 → 7,205; total 94,261
        {"water_charge": 70051, "fixed_fee": 10000, "note2": 7005, "tax": 7205}, 94261,
        id="tabriz-20m3-30d",
    ),
    pytest.param(
        {"city": "tabriz", "has_sewage": True},
        # as above + sewage fixed 10,000 + sewage 70% × 70,051 = 49,035.7 → 49,036
        # VAT 9% × (70,051 + 10,000 + 10,000 + 49,036) = 12,517.83 → 12,518
        {"water_charge": 70051, "fixed_fee": 10000, "sewage_fixed_fee": 10000,
         "sewage_fee": 49036, "note2": 7005, "tax": 12518}, 158610,
        id="tabriz-20m3-sewage",
    ),
    pytest.param(
        {"city": "marand", "units": 2, "start": jd("1398/09/01"), "end": jd("1398/11/01"),
         "consumption": 48},
        # D = 60 (آذر + دی); m = 30×48/(60×2) = 12 → 24,999
        # water 24,999 × 2 × 60/30 × 1.15 = 114,995.4 → 114,995; fixed 10,000 × 2 × 2 = 40,000
        # تبصره ۲ 11,499.5 → 11,500; VAT 9% × 154,995 = 13,949.55 → 13,950
        {"water_charge": 114995, "fixed_fee": 40000, "note2": 11500, "tax": 13950}, 180445,
        id="marand-2units-60d",
    ),
    pytest.param(
        {"city": "sardrud", "start": jd("1398/05/15"), "end": jd("1398/07/15"), "consumption": 62},
        # D = 17 (مرداد) + 31 (شهریور) + 14 (مهر) = 62, hot days 48; m = 30×62/62 = 30 → 128,229
        # water 128,229 × 62/30 × 1.15 = 304,757.59 → 304,758
        # hot 20% × (128,229 − 82,775) × 48/30 × 1.15 = 16,727.07 → 16,727
        # fixed 10,000 × 62/30 = 20,666.67 → 20,667; no تبصره ۲ in Sardrud
        # VAT 9% × (304,758 + 16,727 + 20,667) = 30,793.68 → 30,794
        {"water_charge": 304758, "hot_surcharge": 16727, "fixed_fee": 20667, "tax": 30794}, 372946,
        id="sardrud-hot-prorated",
    ),
    pytest.param(
        {"city": "mianeh", "units": 3, "has_sewage": True, "start": jd("1398/10/01"),
         "end": jd("1398/12/01"), "consumption": 150},
        # D = 60; m = 30×150/(60×3) = 25 → 82,775; water 82,775 × 3 × 2 × 0.96 = 476,784
        # fixed = sewage fixed = 10,000 × 3 × 2 = 60,000; sewage 70% = 333,748.8 → 333,749
        # تبصره ۲ 47,678.4 → 47,678; VAT 9% × (476,784 + 60,000 + 60,000 + 333,749) = 83,747.97 → 83,748
        {"water_charge": 476784, "fixed_fee": 60000, "sewage_fixed_fee": 60000,
         "sewage_fee": 333749, "note2": 47678, "tax": 83748}, 1061959,
        id="mianeh-3units-sewage",
    ),
    pytest.param(
        {"city": "tabriz", "consumption": 60},
        # m = 60 > 50: 71,609 × 60 − 2,949,583 = 1,346,957; × 1.30 = 1,751,044.1 → 1,751,044
        # تبصره ۲ 175,104.4 → 175,104; VAT 9% × 1,761,044 = 158,493.96 → 158,494
        {"water_charge": 1751044, "fixed_fee": 10000, "note2": 175104, "tax": 158494}, 2094642,
        id="tabriz-above-50",
    ),
    pytest.param(
        {"city": "ilkhchi", "consumption": Decimal("10.5")},
        # m = 10.5 → 18,950 + 0.5 × 3,025 = 20,462.5; × 1.15 = 23,531.875 → 23,532
        # VAT 9% × 33,532 = 3,017.88 → 3,018
        {"water_charge": 23532, "fixed_fee": 10000, "tax": 3018}, 36550,
        id="ilkhchi-fraction",
    ),
    pytest.param(
        {"schedule": KH, "city": "mashhad", "start": jd("1386/07/01"), "end": jd("1386/08/01")},
        # rural: 30% of the city charge without coefficient: 53,885 × 0.30 = 16,165.5 → 16,166
        # fixed 10,000; no tax in 1386
        {"water_charge": 16166, "fixed_fee": 10000}, 26166,
        id="khorasan-rural-20m3",
    ),
    pytest.param(
        {"schedule": KH, "city": "sabzevar", "has_sewage": True, "start": jd("1386/07/01"),
         "end": jd("1386/08/01")},
        # as above + sewage fixed 10,000 + sewage 70% × 16,166 = 11,316.2 → 11,316
        {"water_charge": 16166, "fixed_fee": 10000, "sewage_fixed_fee": 10000, "sewage_fee": 11316},
        47482,
        id="khorasan-rural-sewage",
    ),
    pytest.param(
        {"schedule": IS, "city": "isfahan"},
        # water 16,166 (as Khorasan); supply project 25% × 16,166 = 4,041.5 → 4,042
        # taxes 3% × (10,000 + 16,166 + 4,042) = 906.24 → 906
        {"water_charge": 16166, "fixed_fee": 10000, "supply_project": 4042, "tax": 906}, 31114,
        id="isfahan-rural-supply-project",
    ),
]

NON_HOUSEHOLD = [
    pytest.param(
        {"city": "tabriz", "usage": "commercial"},
        # no capacity: 20 × 10,670 × 1.30 = 277,420; تبصره ۲ 27,742
        # VAT 9% × (277,420 + 10,000) = 25,867.8 → 25,868
        {"water_charge": 277420, "fixed_fee": 10000, "note2": 27742, "tax": 25868}, 341030,
        id="tabriz-commercial",
    ),
    pytest.param(
        {"city": "ahar", "usage": "industrial", "contract_capacity": Decimal(10), "consumption": 15,
         "has_sewage": True},
        # k = max(0.96, 1) = 1; allowed 10 × 30/30 = 10; water 10 × 6,163 = 61,630
        # excess 5 × 71,609 (free rate) = 358,045; sewage 100% × 61,630
        # VAT 9% × (61,630 + 358,045 + 10,000 + 10,000 + 61,630) = 45,117.45 → 45,117
        {"water_charge": 61630, "excess": 358045, "fixed_fee": 10000, "sewage_fixed_fee": 10000,
         "sewage_fee": 61630, "tax": 45117}, 546422,
        id="ahar-industrial-over-capacity",
    ),
    pytest.param(
        {"city": "marand", "usage": "commercial", "contract_capacity": Decimal(40),
         "start": jd("1398/04/01"), "end": jd("1398/05/01"), "consumption": 31},
        # D = 31 (تیر, all hot); 31 × 10,670 × 1.15 = 380,385.5 → 380,386
        # hot 380,385.5 × 20% × 31/31 = 76,077.1 → 76,077; fixed 10,000 × 31/30 → 10,333
        # تبصره ۲ 10% × 456,463 → 45,646; VAT 9% × 466,796 = 42,011.64 → 42,012
        {"water_charge": 380386, "hot_surcharge": 76077, "fixed_fee": 10333, "note2": 45646,
         "tax": 42012}, 554454,
        id="marand-commercial-hot",
    ),
    pytest.param(
        {"city": "tabriz", "usage": "public", "public_revenue_building": True, "consumption": 10},
        # 10 × 8,320 × 1.30 = 108,160; no تبصره ۲ (public revenue); VAT 9% × 118,160 → 10,634
        {"water_charge": 108160, "fixed_fee": 10000, "tax": 10634}, 128794,
        id="tabriz-public-revenue",
    ),
    pytest.param(
        {"schedule": IS, "city": "kashan", "usage": "commercial", "consumption": 10},
        # rural non-household as in the county's city, k = 1: 10 × 10,670 = 106,700
        # taxes 3% × 116,700 = 3,501
        {"water_charge": 106700, "fixed_fee": 10000, "tax": 3501}, 120201,
        id="isfahan-kashan-commercial",
    ),
]


@pytest.mark.parametrize(("over", "lines", "total"), HOUSEHOLD + NON_HOUSEHOLD)
def test_worked_example(make_bill, over, lines, total):
    result = compute_bill(make_bill(**over))
    assert {item.code: item.amount for item in result.lines} == lines
    assert result.total == total == sum(lines.values())


def test_bill_items_for_display(make_bill):
    result = compute_bill(make_bill(previous_reading=1000, current_reading=1040, consumption=None,
                                    start=jd("1398/09/01"), end=jd("1398/11/01")))
    assert result.consumption == 40
    assert result.days == 60
    assert result.average_daily.quantize(Decimal("0.001")) == Decimal("0.667")  # 40 ÷ 60
    assert result.monthly_per_unit == 20
    assert result.allowed == 36  # pattern 18 × 1 unit × 60/30
    assert result.excess_use == 4
    assert result.cost_price_per_m3 == 11000
    # subsidy = 11,000 × 40 − water 53,885 × 2 × 1.30 (= 140,101) = 299,899
    assert result.subsidy == 299899


@pytest.mark.parametrize(
    ("previous_carry", "previous_balance", "payable", "carry"),
    [
        (0, 0, 94000, 261),  # 94,261 → pay 94,000, carry 261
        (800, 0, 95000, 61),  # 94,261 + 800 = 95,061
        (-261, 0, 94000, 0),  # 94,261 − 261 = 94,000
        (0, 50000, 144000, 261),  # debt added
        (0, -200000, -105000, -739),  # credit larger than the bill: −105,739
    ],
)
def test_rounding_carry(make_bill, previous_carry, previous_balance, payable, carry):
    result = compute_bill(make_bill(previous_carry=previous_carry, previous_balance=previous_balance))
    assert (result.payable, result.carry) == (payable, carry)
    assert result.payable % 1000 == 0


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"city": "paris"}, "unknown_city"),
        ({"usage": "farm"}, "unknown_usage"),
        ({"schedule": "nowhere"}, "unknown_schedule"),
        ({"zone": 11}, "unknown_zone"),
        ({"end": jd("1398/07/01")}, "empty_period"),
        ({"previous_reading": 50, "current_reading": 40, "consumption": None}, "reading_decreased"),
        ({"previous_reading": 50, "current_reading": 60}, "no_consumption"),
        ({"consumption": None}, "no_consumption"),
        ({"consumption": -1}, "negative_consumption"),
        ({"consumption": 1.5}, "invalid_input"),
        ({"units": 0}, "bad_units"),
        ({"start": "yesterday"}, "invalid_input"),
    ],
)
def test_errors_have_codes(make_bill, over, code):
    with pytest.raises(TariffError) as err:
        compute_bill(make_bill(**over))
    assert err.value.code == code
    assert isinstance(err.value, ValueError)


def test_what_if(make_bill):
    inp = make_bill(previous_reading=0, current_reading=20, consumption=None)
    pairs = what_if(inp, [15, 20, Decimal("25.5")])
    assert [q for q, _ in pairs] == [15, 20, Decimal("25.5")]
    assert pairs[1][1] == 94261  # same as tabriz-20m3-30d
    assert pairs[0][1] < pairs[1][1] < pairs[2][1]


def test_hot_days_explained(make_bill):
    result = compute_bill(make_bill(city="sardrud", start=jd("1398/05/15"), end=jd("1398/07/15"),
                                    consumption=62))
    step = next(s for s in result.steps if s.code == "hot_days")
    assert (step.result, step.values["days"]) == (48, 62)
    assert "آبان" in step.values["months"]
    assert result.hot_days == 48


def test_steps_that_produce_lines_add_up(make_bill):
    result = compute_bill(make_bill(has_sewage=True, consumption=33))
    assert sum(s.result for s in result.steps if s.line) == result.total
    assert [s.line for s in result.steps if s.line] == [item.code for item in result.lines]
