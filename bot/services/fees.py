"""Expected fees of a request: the tariff engine's branch fee when its inputs are known."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.services.catalog import Service, home_schedule
from bot.store.models import Subscriber
from tariffs import BranchFeeInput, TariffError, branch_fee


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
    except (TariffError, ValueError, ArithmeticError):
        return None
    return result.total
