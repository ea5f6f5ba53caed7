"""Shared pieces: rounding, line items, explanation steps, place and usage look-ups."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from tariffs.errors import TariffError
from tariffs.models import City, Frozen, Schedule, UsageClass

Value = int | Decimal | str
PRECISION = 40  # significant digits of every Decimal computation


def whole_rials(amount: Decimal | int) -> int:
    """Round to whole rials, half up (the only rounding of money in the engine)."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Checked(Frozen):
    """An input model whose errors are TariffErrors (codes for the bot), never bare ValidationErrors."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            for err in exc.errors():
                cause = (err.get("ctx") or {}).get("error")
                if isinstance(cause, TariffError):
                    raise cause from None
            raise TariffError("invalid_input", str(exc)) from None


class LineItem(Frozen):
    """One line of a bill or of a branch fee, in whole rials (`vat_included`: VAT inside `amount`)."""

    code: str
    amount: int
    vat_included: int = 0


class Step(Frozen):
    """One explained step: the formula's inputs, its result, and the line it produces."""

    code: str
    values: dict[str, Value]
    result: int | Decimal
    line: str | None = None


class Ledger:
    """Collects the steps and lines of one computation, in order."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.lines: list[LineItem] = []

    def step(self, code: str, result: int | Decimal, **values: Value) -> int | Decimal:
        """Record a step that produces no line; return its result."""
        self.steps.append(Step(code=code, values=values, result=result))
        return result

    def line(self, code: str, step: str, amount: int, vat_included: int = 0, **values: Value) -> int:
        """Record a step producing line `code` with a whole-rial amount; return the amount."""
        self.steps.append(Step(code=step, values=values, result=amount, line=code))
        self.lines.append(LineItem(code=code, amount=amount, vat_included=vat_included))
        return amount

    def total(self) -> int:
        """Sum of the lines."""
        return sum(item.amount for item in self.lines)


def city_of(schedule: Schedule, city: str) -> City:
    """The place, or TariffError `unknown_city`."""
    try:
        return schedule.cities[city]
    except KeyError:
        raise TariffError("unknown_city", f"{schedule.id} has no city {city!r}") from None


def usage_of(schedule: Schedule, usage: str) -> UsageClass:
    """The usage class, or TariffError `unknown_usage`."""
    try:
        return schedule.usage_classes[usage]
    except KeyError:
        raise TariffError("unknown_usage", f"{schedule.id} has no usage class {usage!r}") from None


def check_zone(city: City, zone: int | None) -> None:
    """TariffError `unknown_zone` when a zone is given that the city does not have."""
    if zone is not None and zone not in city.zones:
        raise TariffError("unknown_zone", f"{city.name} has no zone {zone}")
