"""Branch fees: the expected fee of a request (the tariff engine's branch fee when its
inputs are known), and what the branch-fee calculator in the chat asks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.services.catalog import Service, home_schedule
from bot.store.models import Subscriber
from tariffs import BranchFeeInput, Schedule, TariffError, branch_fee, get_schedule, list_schedules


def expected_branch_fee(
    svc: Service, subscriber: Subscriber | None, answers: Mapping[str, str]
) -> int | None:
    """Total branch fee in rials from tariffs.branch_fee, or None when it cannot be computed.

    Inputs: the subscriber's schedule, city, zone, usage, units and contract capacity,
    overridden by answers named city, zone, usage, units, contract_capacity,
    water_diameter, sewage_diameter; a new applicant's schedule is the one the catalog
    names, or else the utility's own.
    """
    ref = svc.fees.branch
    if ref is None:
        return None
    schedule = ref.schedule or (subscriber.schedule if subscriber else home_schedule())
    city = answers.get("city") or (subscriber.city if subscriber else None)
    if schedule is None or city is None:
        return None
    capacity = answers.get("contract_capacity")
    try:
        result = branch_fee(BranchFeeInput(
            schedule=schedule, city=city,
            zone=int(answers["zone"]) if answers.get("zone") else (
                subscriber.zone if subscriber and not answers.get("city") else None),
            usage=answers.get("usage") or (subscriber.usage if subscriber else "household"),
            units=int(answers.get("units") or (subscriber.units if subscriber else 1)),
            contract_capacity=Decimal(capacity) if capacity else (
                subscriber.contract_capacity if subscriber else None),
            water=ref.water, sewage=ref.sewage,
            water_diameter=answers.get("water_diameter"),
            sewage_diameter=answers.get("sewage_diameter"),
            has_sewage=subscriber.has_sewage if subscriber else False,
        ))
    except (TariffError, ValueError, ArithmeticError, TypeError):
        return None
    return result.total


def branch_schedules() -> list[Schedule]:
    """The tariff schedules that have branch fees, the utility's own first."""
    found = [s for s in list_schedules() if s.branch is not None]
    return sorted(found, key=lambda s: s.id != home_schedule())


def zone_matters(schedule_id: str, city: str, usage: str) -> bool:
    """Whether a branch fee in this city depends on the zone (Tabriz's household fee and its
    تبصره ۳ rows): only then is the zone asked."""
    sched = get_schedule(schedule_id)
    fees, household = sched.branch, sched.usage_classes[usage].household
    if fees is None or not sched.cities[city].zones:
        return False
    if household and city in fees.household.zones:
        return True
    kind = "household" if household else "non_household"
    return any(row.city == city and row.zones and (getattr(row, f"{kind}_water") is not None
                                                   or getattr(row, f"{kind}_sewage") is not None)
               for row in (fees.note3.rows if fees.note3 else ()))


def installation_diameters(schedule_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The water (inch) and sewage (mm) diameters the schedule prices an installation for."""
    fees = get_schedule(schedule_id).branch
    if fees is None or fees.installation is None:
        return (), ()
    return tuple(fees.installation.water), tuple(fees.installation.sewage)
