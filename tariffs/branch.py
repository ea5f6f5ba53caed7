"""One-off fees of a new water and/or sewage branch (حق انشعاب and installation), itemised."""

from __future__ import annotations

from decimal import Decimal, localcontext

from pydantic import model_validator

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
from tariffs.models import BranchFees, City, Frozen, Note3Row, Schedule


class BranchFeeInput(Checked):
    """A branch request: place, usage, units, capacity (m³/month), diameters and what is bought."""

    schedule: str
    city: str
    zone: int | None = None
    usage: str = "household"
    units: int = 1
    contract_capacity: Decimal | None = None
    water: bool = True
    sewage: bool = False
    water_diameter: str | None = None
    sewage_diameter: str | None = None
    sewage_digging: bool = False
    has_sewage: bool = False
    sewage_project: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> BranchFeeInput:
        if not (self.water or self.sewage):
            raise TariffError("nothing_requested", "ask for a water and/or a sewage branch")
        if self.units < 1:
            raise TariffError("bad_units", "units must be at least 1")
        if self.contract_capacity is not None and self.contract_capacity <= 0:
            raise TariffError("bad_capacity", "contract capacity must be positive")
        return self


class BranchFeeResult(Frozen):
    """Itemised branch fees (VAT shown where it is inside a price) and their total."""

    schedule: str
    city: str
    lines: tuple[LineItem, ...]
    total: int
    steps: tuple[Step, ...]


def vat_split(amount: int, rate: Decimal) -> tuple[int, int]:
    """A VAT-inclusive price as (service cost, VAT); the cost is rounded half up to rials."""
    service = whole_rials(Decimal(amount) / (1 + rate))
    return service, amount - service


def _fees(s: Schedule) -> BranchFees:
    if s.branch is None:
        raise TariffError("no_branch_fees", f"{s.id} has no branch fees")
    return s.branch


def _household_water(fees: BranchFees, city: City, inp: BranchFeeInput, ledger: Ledger) -> int:
    rule = fees.household
    zones = rule.zones.get(inp.city)
    if zones:
        if inp.zone is None:
            raise TariffError("zone_required", f"{city.name}: the branch fee depends on the zone")
        per_unit = next((row.amount for row in zones if inp.zone in row.zones), None)
        if per_unit is None:
            raise TariffError("unknown_zone", f"{city.name}: no branch fee for zone {inp.zone}")
        ledger.step("branch_zone", per_unit, city=city.name, zone=inp.zone)
    elif rule.per_unit is not None:
        per_unit = ledger.step("branch_flat", rule.per_unit)
    else:
        if city.population is None:
            raise TariffError("unknown_population", f"{city.name}: population class unknown")
        per_unit = ledger.step("branch_population", rule.by_population[city.population],
                               city=city.name, population=city.population)
    return per_unit


def _coefficient(fees: BranchFees, city: City) -> Decimal:
    rule = fees.non_household
    k = city.coefficient
    if rule.min_coefficient is not None:
        k = max(k, rule.min_coefficient)
    if rule.max_coefficient is not None:
        k = min(k, rule.max_coefficient)
    return k


def _note3(fees: BranchFees, inp: BranchFeeInput) -> Note3Row | None:
    if fees.note3 is None:
        return None
    for row in fees.note3.rows:
        if row.city == inp.city and (not row.zones or inp.zone in row.zones):
            return row
    return None


def _installation(fees: BranchFees, inp: BranchFeeInput, ledger: Ledger) -> None:
    inst = fees.installation
    if inst is None:
        return
    wanted = [("water", inp.water, inst.water, inp.water_diameter or "1/2"),
              ("sewage", inp.sewage, inst.sewage, inp.sewage_diameter or "100")]
    if inp.sewage_digging:
        wanted.append(("sewage_digging", inp.sewage, inst.sewage_digging, inp.sewage_diameter or "100"))
    for name, asked, prices, diameter in wanted:
        if not asked:
            continue
        if diameter not in prices:
            raise TariffError("unknown_diameter", f"no {name} price for diameter {diameter}")
        service, vat = vat_split(prices[diameter], inst.vat_rate)
        digging = name == "sewage_digging"
        ledger.line(name if digging else f"{name}_installation", "digging" if digging else "installation",
                    prices[diameter], vat_included=vat, diameter=diameter, service=service, vat=vat,
                    rate=inst.vat_rate)
    service, vat = vat_split(inst.supervision_per_unit * inp.units, inst.vat_rate)
    ledger.line("supervision", "supervision", inst.supervision_per_unit * inp.units, vat_included=vat,
                fee=inst.supervision_per_unit, units=inp.units, service=service, vat=vat)


def branch_fee(inp: BranchFeeInput) -> BranchFeeResult:
    """Itemise the one-off cost of a new water and/or sewage branch."""
    s = get_schedule(inp.schedule)
    fees = _fees(s)
    city = city_of(s, inp.city)
    household = usage_of(s, inp.usage).household
    check_zone(city, inp.zone)
    ledger = Ledger()
    with localcontext(prec=PRECISION):
        if household:
            per_unit = _household_water(fees, city, inp, ledger)
            water_fee = ledger.step("branch_units", per_unit * inp.units, per_unit=per_unit, units=inp.units)
        else:
            if inp.contract_capacity is None:
                raise TariffError("capacity_required", "non-household branch fees need the capacity")
            k = _coefficient(fees, city)
            water_fee = ledger.step(
                "branch_capacity", whole_rials(inp.contract_capacity * fees.non_household.per_m3 * k),
                capacity=inp.contract_capacity, per_m3=fees.non_household.per_m3, coefficient=k)
        if inp.water:
            ledger.line("water_branch_fee", "water_branch_fee", water_fee)
            if inp.usage == "commercial":
                value = fees.non_household.commercial_value_per_unit
                ledger.line("commercial_value", "commercial_value", value * inp.units,
                            fee=value, units=inp.units)
        if inp.sewage:
            if household and fees.household.sewage_per_unit is not None:
                per_unit = fees.household.sewage_per_unit
                ledger.line("sewage_branch_fee", "sewage_branch_flat", per_unit * inp.units,
                            fee=per_unit, units=inp.units)
            else:
                rule = fees.household if household else fees.non_household
                share = rule.sewage_share or Decimal(0)
                ledger.line("sewage_branch_fee", "sewage_branch_share", whole_rials(water_fee * share),
                            water_fee=water_fee, share=share)
        _installation(fees, inp, ledger)
        row = _note3(fees, inp)
        if row is not None:
            for asked, kind in ((inp.water, "water"), (inp.sewage, "sewage")):
                per = getattr(row, f"{'household' if household else 'non_household'}_{kind}")
                if not asked or per is None:
                    continue
                if household:
                    ledger.line(f"note3_{kind}", "note3_household", per * inp.units, fee=per, units=inp.units)
                elif inp.contract_capacity is not None:
                    ledger.line(f"note3_{kind}", "note3_capacity",
                                whole_rials(per * inp.contract_capacity),
                                fee=per, capacity=inp.contract_capacity)
        if fees.note2 and inp.sewage_project and inp.water and not (inp.sewage or inp.has_sewage):
            ledger.line("branch_note2", "branch_note2", whole_rials(water_fee * fees.note2.share),
                        water_fee=water_fee, share=fees.note2.share)
        total = ledger.step("total", ledger.total())
    return BranchFeeResult(schedule=s.id, city=inp.city, lines=tuple(ledger.lines), total=total,
                           steps=tuple(ledger.steps))
