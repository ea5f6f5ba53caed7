"""Household consumption patterns: per place, the rural map, and use above the pattern."""

from __future__ import annotations

from decimal import Decimal

from tariffs.common import city_of, usage_of
from tariffs.errors import TariffError
from tariffs.loader import get_schedule
from tariffs.models import Frozen


class PatternResult(Frozen):
    """Allowed household use of one unit for 30 days at a place, and where it comes from."""

    schedule: str
    city: str
    usage: str
    per_unit_month: Decimal
    basis: str  # "city", "rural_map" or "schedule"
    urban_pattern: int | None = None
    source: str
    note: str | None = None


class AbovePattern(Frozen):
    """How far a period's use is above the pattern."""

    allowed: Decimal
    above: Decimal
    percent_above: Decimal


def pattern_for(schedule: str, city: str, usage: str = "household") -> PatternResult:
    """The household pattern at a place; TariffError `no_pattern_for_usage` for other classes."""
    sched = get_schedule(schedule)
    place = city_of(sched, city)
    if not usage_of(sched, usage).household:
        raise TariffError("no_pattern_for_usage", "non-household use is measured by contract capacity")
    common = {"schedule": schedule, "city": city, "usage": usage}
    if place.pattern is not None:
        return PatternResult(**common, per_unit_month=place.pattern, basis="city",
                             source=place.source, note=place.note)
    pats = sched.patterns
    if pats.rural_map:
        urban = place.urban_pattern or int(pats.household)
        if urban not in pats.rural_map:
            raise TariffError("no_pattern", f"the rural map has no urban pattern {urban}")
        return PatternResult(**common, per_unit_month=Decimal(pats.rural_map[urban]),
                             basis="rural_map", urban_pattern=urban, source=pats.source, note=pats.note)
    return PatternResult(**common, per_unit_month=pats.household, basis="schedule",
                         source=pats.source, note=pats.note)


def above_pattern(pattern: PatternResult, consumption: Decimal | int, days: int, units: int = 1) -> AbovePattern:
    """Allowed use = pattern × units × days/30; the use above it and its share in percent."""
    if days <= 0 or units <= 0:
        raise TariffError("bad_period", "days and units must be positive")
    allowed = pattern.per_unit_month * units * days / 30
    above = max(Decimal(0), Decimal(consumption) - allowed)
    return AbovePattern(allowed=allowed, above=above, percent_above=above * 100 / allowed)


def rural_pattern_map(schedule: str = "khorasan-razavi-rural-1386") -> dict[int, int]:
    """Urban pattern → rural pattern (m³ per unit per month) of a rural schedule."""
    mapping = get_schedule(schedule).patterns.rural_map
    if mapping is None:
        raise TariffError("no_rural_map", f"{schedule} has no rural pattern map")
    return dict(mapping)
