"""Frozen pydantic models of a tariff schedule, as validated from `tariffs/data/*.yaml`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
LineCode = Literal[
    "water_charge", "hot_surcharge", "fixed_fee", "sewage_fixed_fee", "sewage_fee",
    "note2", "excess", "supply_project", "tax",
]
Population = Literal["50k_plus", "under_50k"]


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("write fractional numbers as quoted strings (e.g. '0.30'), not floats")
    return value


def _seed_or_decision(value: str) -> str:
    if value != "decision" and not SEED_FILE.match(value):
        raise ValueError("source must be a seed file name like 001_f1d15519600e80ea.txt or 'decision'")
    return value


Dec = Annotated[Decimal, BeforeValidator(_no_float)]
Source = Annotated[str, AfterValidator(_seed_or_decision)]


class Frozen(BaseModel):
    """Immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    """A value taken from a seed file (or a documented decision), with an optional note."""

    source: Source
    note: str | None = None


class City(Sourced):
    """A city, county or rural area of a schedule."""

    name: str
    seed_name: str | None = None
    coefficient: Dec = Decimal(1)
    population: Population | None = None
    zones: tuple[int, ...] = ()
    note2: bool = False
    supply_project: bool = False
    pattern: Dec | None = None
    urban_pattern: int | None = None


class UsageClass(Sourced):
    """A usage class; non-household classes carry their rate in rial per m³."""

    name: str
    household: bool
    rate: int | None = None
    covers: str | None = None

    @model_validator(mode="after")
    def _rate_iff_non_household(self) -> UsageClass:
        if self.household == (self.rate is not None):
            raise ValueError("household classes have no rate; non-household classes need one")
        return self


class HouseholdTable(Sourced):
    """Monthly charge of one unit for 1..50 m³ (rows) and the line above 50 m³."""

    rows: tuple[int, ...]
    above_slope: int
    above_intercept: int

    @model_validator(mode="after")
    def _fifty_rising_rows(self) -> HouseholdTable:
        if len(self.rows) != 50:
            raise ValueError(f"rows must hold 50 values (1..50 m³), got {len(self.rows)}")
        if any(b <= a for a, b in zip((0, *self.rows), self.rows, strict=False)):
            raise ValueError("rows must rise strictly")
        if self.above_slope * 50 + self.above_intercept < self.rows[-1]:
            raise ValueError("the formula above 50 m³ must not fall below the row for 50 m³")
        return self


class Derivation(Sourced):
    """How a derived (rural) schedule's household charge relates to its base."""

    household_share: Dec
    city_coefficient: bool
    excess_penalty_share: Dec


class HotMonths(Sourced):
    """Jalali hot months and their surcharge."""

    months: tuple[int, ...]
    rate: Dec
    household_above: Dec


class FixedFee(Sourced):
    """آبونمان per unit per 30 days; the sewage fixed fee as a share of it."""

    per_unit_month: int
    sewage_share: Dec


class Sewage(Sourced):
    """Sewage disposal fee as a share of the water charge."""

    household_share: Dec
    non_household_share: Dec


class Note2(Sourced):
    """تبصره ۲: a share of the water charge in the cities that levy it."""

    rate: Dec


class NonHousehold(Sourced):
    """Rules for non-household bills."""

    min_coefficient: Dec
    excess_class: str


class HouseholdExcess(Sourced):
    """Charge per m³ of household use above the pattern."""

    rate_per_m3: int


class SupplyProject(Sourced):
    """Water-supply project charge as a share of the water charge."""

    household_share: Dec
    non_household_share: Dec


class Tax(Sourced):
    """Tax rate and the lines it is levied on."""

    name: str
    rate: Dec
    applies_to: tuple[LineCode, ...]


class Patterns(Sourced):
    """Household consumption pattern (m³ per unit per month) and the rural map."""

    household: Dec
    rural_map: dict[int, int] | None = None


class CostPrice(Sourced):
    """Cost price of one m³ (for the subsidy line)."""

    per_m3: int


class Rounding(Sourced):
    """Amounts below `carry_unit` rials are carried to the next bill."""

    carry_unit: int


class PerLitre(Sourced):
    """A price per litre (desalinated water at stations)."""

    per_litre: int


class ZoneFee(Frozen):
    """Household branch fee of a group of zones of a city."""

    zones: tuple[int, ...]
    amount: int


class HouseholdBranch(Sourced):
    """Household branch fee per unit: flat, by zone, or by city population."""

    per_unit: int | None = None
    zones: dict[str, tuple[ZoneFee, ...]] = {}
    by_population: dict[Population, int] = {}
    sewage_share: Dec | None = None
    sewage_per_unit: int | None = None

    @model_validator(mode="after")
    def _one_sewage_rule(self) -> HouseholdBranch:
        if (self.sewage_share is None) == (self.sewage_per_unit is None):
            raise ValueError("give exactly one of sewage_share and sewage_per_unit")
        if self.per_unit is None and not self.by_population:
            raise ValueError("give per_unit or by_population")
        return self


class NonHouseholdBranch(Sourced):
    """Non-household branch fee: capacity (m³/month) × per_m3 × coefficient (+ commercial value)."""

    per_m3: int
    min_coefficient: Dec | None = None
    max_coefficient: Dec | None = None
    commercial_value_per_unit: int
    sewage_share: Dec


class Installation(Sourced):
    """Installation prices by diameter, VAT included at `vat_rate`."""

    vat_rate: Dec
    water: dict[str, int]
    sewage: dict[str, int]
    sewage_digging: dict[str, int]
    sewage_reroute: dict[str, int]
    supervision_per_unit: int


class Note3Row(Frozen):
    """One row of the تبصره ۳ table; None where the seed prints a dash."""

    city: str
    seed_name: str | None = None
    zones: tuple[int, ...] = ()
    household_water: int | None
    household_sewage: int | None
    non_household_water: int | None
    non_household_sewage: int | None


class Note3(Sourced):
    """تبصره ۳ of the branch fee: household per unit, non-household per m³ of capacity."""

    rows: tuple[Note3Row, ...]


class BranchNote2(Sourced):
    """تبصره ۲ of the branch fee: share of the water branch fee."""

    share: Dec


class BranchFees(Frozen):
    """One-off fees of a new water or sewage branch."""

    household: HouseholdBranch
    non_household: NonHouseholdBranch
    installation: Installation | None = None
    note3: Note3 | None = None
    note2: BranchNote2 | None = None


class Schedule(Frozen):
    """A tariff schedule: bill rules, places, usage classes and branch fees."""

    id: str
    title: str
    kind: Literal["urban", "rural"]
    year: int | None
    derives_from: str | None = None
    note: str | None = None
    cities: dict[str, City]
    usage_classes: dict[str, UsageClass]
    household: HouseholdTable
    derivation: Derivation | None = None
    hot: HotMonths
    fixed_fee: FixedFee
    sewage: Sewage
    note2: Note2 | None = None
    non_household: NonHousehold
    household_excess: HouseholdExcess
    supply_project: SupplyProject | None = None
    tax: Tax
    patterns: Patterns
    cost_price: CostPrice
    rounding: Rounding
    desalinated_water: PerLitre | None = None
    branch: BranchFees | None = None

    @model_validator(mode="after")
    def _references(self) -> Schedule:
        excess = self.usage_classes.get(self.non_household.excess_class)
        if excess is None or excess.household:
            raise ValueError("non_household.excess_class must name a non-household usage class")
        if self.branch:
            unknown = set(self.branch.household.zones) - set(self.cities)
            if self.branch.note3:
                unknown |= {row.city for row in self.branch.note3.rows} - set(self.cities)
            if unknown:
                raise ValueError(f"branch tables name unknown cities: {sorted(unknown)}")
        return self
