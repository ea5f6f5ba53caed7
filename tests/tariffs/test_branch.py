"""Branch fees for every row of seed 003's tables, the rural ones, and the VAT split."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffs import BranchFeeInput, TariffError, branch_fee, get_schedule, vat_split

EA = "east-azarbaijan-urban-1398"


def fee(**over) -> dict[str, int]:
    data = {"schedule": EA, "city": "tabriz", "zone": 1}
    data.update(over)
    return {item.code: item.amount for item in branch_fee(BranchFeeInput(**data)).lines}


@pytest.mark.parametrize(
    ("city", "zone", "water"),
    [
        *[("tabriz", z, 7600000) for z in (1, 2, 3, 5, 8, 9)],
        *[("tabriz", z, 5700000) for z in (4, 6)],
        *[("tabriz", z, 3800000) for z in (7, 10)],
        ("maragheh", None, 3800000),  # other cities of 50,000 people or more
        ("sardrud", None, 3230000),  # smaller cities
    ],
)
def test_household_branch_fee_rows(city, zone, water):
    lines = fee(city=city, zone=zone, sewage=True, units=2)
    assert lines["water_branch_fee"] == water * 2
    assert lines["sewage_branch_fee"] == water * 2 * 7 // 10  # 70% of the water one


@pytest.mark.parametrize(
    ("city", "usage", "capacity", "water", "commercial"),
    [
        ("tabriz", "industrial", 10, 3705000, 0),  # 10 × 285,000 × 1.30
        ("marand", "commercial", 10, 3277500, 1140000),  # 10 × 285,000 × 1.15 + 1,140,000
        ("ahar", "public", Decimal("2.5"), 712500, 0),  # 2.5 × 285,000 × max(0.96, 1)
    ],
)
def test_non_household_branch_fee(city, usage, capacity, water, commercial):
    lines = fee(city=city, zone=None if city != "tabriz" else 1, usage=usage,
                contract_capacity=capacity, sewage=True)
    assert lines["water_branch_fee"] == water
    assert lines.get("commercial_value", 0) == commercial
    assert lines["sewage_branch_fee"] == water  # 100%


@pytest.mark.parametrize(
    ("diameter", "price"),
    [("1/2", 9700000), ("3/4", 14000000), ("1", 36000000), ("1.5", 70000000), ("2", 76000000),
     ("4", 290000000)],
)
def test_water_installation_by_diameter(diameter, price):
    assert fee(water_diameter=diameter)["water_installation"] == price


@pytest.mark.parametrize(("diameter", "price", "digging"), [("100", 4550000, 3600000), ("150", 6500000, 4000000)])
def test_sewage_installation_by_diameter(diameter, price, digging):
    lines = fee(water=False, sewage=True, sewage_diameter=diameter, sewage_digging=True)
    assert (lines["sewage_installation"], lines["sewage_digging"]) == (price, digging)
    assert lines["supervision"] == 180000
    assert "water_branch_fee" not in lines


@pytest.mark.parametrize(
    ("amount", "service", "vat"),
    [  # seed 003, sewage installation table: price = service cost + 9% VAT
        (4550000, 4174312, 375688),
        (6500000, 5963303, 536697),
        (2500000, 2293578, 206422),
        (5000000, 4587156, 412844),
        (3600000, 3302752, 297248),
        (4000000, 3669725, 330275),
        (180000, 165138, 14862),
    ],
)
def test_vat_split_rows(amount, service, vat):
    assert vat_split(amount, Decimal("0.09")) == (service, vat)


def test_reroute_prices_in_data():
    assert get_schedule(EA).branch.installation.sewage_reroute == {"100": 2500000, "150": 5000000}


NOTE3 = [
    ("tabriz", 7, 5600000, 5420000, None, None),
    ("tabriz", 4, 5900000, 5630000, None, None),
    ("tabriz", 2, 6200000, 5840000, None, None),
    ("azarshahr", None, 2373000, 3412000, 213250, 148313),
    ("bostanabad", None, 2166000, 3072000, 192000, 135375),
    ("ajabshir", None, 2373000, 3412000, 213250, 148313),
    ("bonab", None, 2670000, 3814000, 238375, 166875),
    ("ahar", None, 2670000, 3814000, 238375, 166875),
    ("hashtrud", None, 2166000, 3073000, 192063, 135375),
    ("mianeh", None, 2670000, 3814000, 238375, 166875),
    ("jolfa", None, 2885000, 3412000, 213250, 180310),
    ("hadishahr", None, 10000000, 3769000, 235563, 550000),
    ("marand", None, 2875000, 4153000, 259563, 179688),
    ("sarab", None, 2373000, 3412000, 213250, 148313),
    ("heris", None, 2885000, 3412000, 213250, 180310),
    ("malekan", None, 2000000, 357000, 22313, 130000),
    ("sahand", None, 510000, 357000, 22313, 31875),
    ("osku", None, 2832000, None, None, 188800),
    ("shabestar", None, 2832000, None, None, 188800),
    ("maragheh", None, 4230000, 5950000, 330000, 235000),
    ("khosroshah", None, 3000000, 3000000, 187500, 187500),
    ("kaleybar", None, 3000000, None, None, 200000),
]


@pytest.mark.parametrize(("city", "zone", "hh_water", "hh_sewage", "nh_water", "nh_sewage"), NOTE3)
def test_note3_rows(city, zone, hh_water, hh_sewage, nh_water, nh_sewage):
    household = fee(city=city, zone=zone, sewage=True, units=2)
    assert household.get("note3_water") == (hh_water and hh_water * 2)  # per unit
    assert household.get("note3_sewage") == (hh_sewage and hh_sewage * 2)
    other = fee(city=city, zone=zone, usage="industrial", contract_capacity=Decimal(4), sewage=True)
    assert other.get("note3_water") == (nh_water and nh_water * 4)  # per m³ of capacity
    assert other.get("note3_sewage") == (nh_sewage and nh_sewage * 4)


def test_no_note3_for_cities_outside_the_table():
    assert "note3_water" not in fee(city="sardrud", zone=None)


@pytest.mark.parametrize(
    ("over", "note2"),
    [
        ({"sewage_project": True}, 4180000),  # 55% × 7,600,000
        ({"sewage_project": True, "has_sewage": True}, None),  # the branch has sewage
        ({"sewage_project": True, "sewage": True}, None),  # buys sewage now
        ({}, None),  # no sewage project under way
    ],
)
def test_branch_note2(over, note2):
    assert fee(**over).get("branch_note2") == note2


def test_household_total_itemised():
    result = branch_fee(BranchFeeInput(schedule=EA, city="tabriz", zone=4, units=2, sewage=True,
                                       water_diameter="3/4", sewage_digging=True))
    # 11,400,000 water + 7,980,000 sewage + 14,000,000 + 4,550,000 + 3,600,000 installation
    # + 360,000 supervision + 11,800,000 + 11,260,000 تبصره ۳ = 64,950,000
    assert result.total == 64950000 == sum(item.amount for item in result.lines)
    assert sum(s.result for s in result.steps if s.line) == result.total
    assert next(i for i in result.lines if i.code == "water_installation").vat_included == 1155963


@pytest.mark.parametrize(
    ("over", "lines"),
    [
        ({"schedule": "khorasan-razavi-rural-1386", "city": "mashhad", "units": 2},
         {"water_branch_fee": 1000000, "sewage_branch_fee": 700000}),  # 500,000 and 350,000 per unit
        ({"schedule": "khorasan-razavi-rural-1386", "city": "quchan", "usage": "commercial",
          "contract_capacity": Decimal(5)},
         {"water_branch_fee": 1425000, "commercial_value": 1140000, "sewage_branch_fee": 1425000}),
        ({"schedule": "isfahan-rural", "city": "kashan", "units": 3},
         {"water_branch_fee": 1500000, "sewage_branch_fee": 1050000}),  # 500,000 × 3; 70%
        ({"schedule": "isfahan-rural", "city": "kashan", "usage": "commercial",
          "contract_capacity": Decimal(2)},
         {"water_branch_fee": 300000, "commercial_value": 600000, "sewage_branch_fee": 210000}),
    ],
)
def test_rural_branch_fees(over, lines):
    assert fee(zone=None, sewage=True, **over) == lines


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"zone": None}, "zone_required"),
        ({"water": False}, "nothing_requested"),
        ({"usage": "commercial"}, "capacity_required"),
        ({"water_diameter": "3"}, "unknown_diameter"),
        ({"zone": 12}, "unknown_zone"),
        ({"units": 0}, "bad_units"),
    ],
)
def test_branch_errors(over, code):
    with pytest.raises(TariffError) as err:
        fee(**over)
    assert err.value.code == code
