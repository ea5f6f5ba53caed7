"""Persian lines of a computation's steps and items; the translator and formatter are passed in."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from tariffs.branch import BranchFeeInput, BranchFeeResult
from tariffs.common import Step
from tariffs.engine import BillResult
from tariffs.loader import get_schedule

Translate = Callable[..., str]
PERCENT_KEYS = frozenset({"rate", "share"})
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


class NumberFormat(Protocol):
    """What `render` needs of a formatter (`bot.text.fmt` fits)."""

    def number(self, value: int | Decimal, places: int = 0) -> str: ...


def show(fmt: NumberFormat, key: str, value: int | Decimal | str) -> str:
    """A step value as Persian text: shares and rates as percent, decimals to at most 3 places."""
    if isinstance(value, str):
        return value.translate(PERSIAN_DIGITS)
    if isinstance(value, Decimal) and key in PERCENT_KEYS:
        return show(fmt, "", value * 100) + "٪"
    number = Decimal(value)
    if number == number.to_integral_value():
        return fmt.number(int(number))
    exponent = number.normalize().as_tuple().exponent
    places = min(3, -exponent) if isinstance(exponent, int) else 3
    return fmt.number(number, places)


def render_step(step: Step, t: Translate, fmt: NumberFormat) -> str:
    """One step with its template `tariff.steps.<code>`."""
    params = {key: show(fmt, key, value) for key, value in step.values.items()}
    if "population" in step.values:
        params["population"] = t(f"tariff.population.{step.values['population']}")
    return t(f"tariff.steps.{step.code}", **params, result=show(fmt, "result", step.result))


def render_steps(result: BillResult | BranchFeeResult, t: Translate, fmt: NumberFormat) -> list[str]:
    """The explanation of a bill or branch fee, one Persian line per step."""
    return [render_step(step, t, fmt) for step in result.steps]


def render_lines(result: BillResult | BranchFeeResult, t: Translate, fmt: NumberFormat) -> list[str]:
    """Each line item as «name: amount ریال», with the VAT inside it when there is some."""
    out = []
    for item in result.lines:
        text = t("tariff.cli.line", name=t(f"tariff.lines.{item.code}"), amount=fmt.number(item.amount))
        if item.vat_included:
            text += t("tariff.cli.vat_included", vat=fmt.number(item.vat_included))
        out.append(text)
    return out


def branch_report(inp: BranchFeeInput, result: BranchFeeResult, t: Translate,
                  fmt: NumberFormat) -> list[str]:
    """A branch fee as `python -m tariffs branch-fee` prints it: header, items, total, how."""
    sched = get_schedule(result.schedule)
    return [
        t("tariff.cli.branch_header", schedule=sched.title, city=sched.cities[result.city].name,
          usage=sched.usage_classes[inp.usage].name),
        *render_lines(result, t, fmt),
        t("tariff.cli.total", amount=fmt.number(result.total)),
        t("tariff.cli.how"),
        *render_steps(result, t, fmt),
    ]
