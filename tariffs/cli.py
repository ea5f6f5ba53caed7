"""Command line for staff and scripts: Persian text by default, `--json` for machines."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

import jdatetime

from bot.text import fmt
from bot.text.i18n import t
from tariffs.branch import BranchFeeInput, branch_fee
from tariffs.engine import BillInput, compute_bill, what_if
from tariffs.errors import TariffError
from tariffs.loader import get_schedule, list_schedules
from tariffs.patterns import above_pattern, pattern_for
from tariffs.render import branch_report, render_lines, render_steps, show


def _date(text: str) -> jdatetime.date:
    day = fmt.parse_jalali(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"not a Jalali date (1398/03/01): {text}")
    return day


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tariffs", description="Abfa tariff engine")
    sub = parser.add_subparsers(dest="command", required=True)
    sched = sub.add_parser("schedules", help="list the schedules")
    sched.add_argument("--json", action="store_true")

    bill = sub.add_parser("bill", help="compute and explain a bill")
    bill.add_argument("--schedule", default="east-azarbaijan-urban-1398")
    bill.add_argument("--usage", default="household")
    bill.add_argument("--city", required=True)
    bill.add_argument("--zone", type=int)
    bill.add_argument("--units", type=int, default=1)
    bill.add_argument("--non-residential-units", type=int, default=0)
    bill.add_argument("--start", type=_date, required=True, help="Jalali, e.g. 1398/03/01")
    bill.add_argument("--end", type=_date, required=True)
    use = bill.add_mutually_exclusive_group(required=True)
    use.add_argument("--consumption", type=_decimal, help="m³ in the period")
    use.add_argument("--readings", type=int, nargs=2, metavar=("PREVIOUS", "CURRENT"))
    bill.add_argument("--capacity", type=_decimal, help="contract capacity, m³ per month")
    bill.add_argument("--sewage", action="store_true", help="the branch has sewage")
    bill.add_argument("--public-revenue", action="store_true", help="administrative building")
    bill.add_argument("--carry", type=int, default=0, help="rounding carry of the previous bill")
    bill.add_argument("--balance", type=int, default=0, help="previous debt (+) or credit (−)")
    bill.add_argument("--what-if", type=_decimal, nargs="+", metavar="M3", help="totals for these uses")
    bill.add_argument("--json", action="store_true")

    fee = sub.add_parser("branch-fee", help="itemise the fees of a new branch")
    fee.add_argument("--schedule", default="east-azarbaijan-urban-1398")
    fee.add_argument("--city", required=True)
    fee.add_argument("--zone", type=int)
    fee.add_argument("--usage", default="household")
    fee.add_argument("--units", type=int, default=1)
    fee.add_argument("--capacity", type=_decimal, help="contract capacity, m³ per month")
    fee.add_argument("--no-water", action="store_true", help="sewage branch only")
    fee.add_argument("--sewage", action="store_true", help="buy a sewage branch")
    fee.add_argument("--water-diameter", help="1/2, 3/4, 1, 1.5, 2, 4 (inch)")
    fee.add_argument("--sewage-diameter", help="100 or 150 (mm)")
    fee.add_argument("--digging", action="store_true", help="sewage digging by the company")
    fee.add_argument("--has-sewage", action="store_true", help="the property already has sewage")
    fee.add_argument("--sewage-project", action="store_true", help="a sewage project is under way")
    fee.add_argument("--json", action="store_true")

    pat = sub.add_parser("pattern", help="consumption pattern of a place")
    pat.add_argument("--schedule", default="east-azarbaijan-urban-1398")
    pat.add_argument("--city", required=True)
    pat.add_argument("--usage", default="household")
    pat.add_argument("--consumption", type=_decimal, help="m³ used, to compare with the pattern")
    pat.add_argument("--days", type=int, default=30)
    pat.add_argument("--units", type=int, default=1)
    pat.add_argument("--json", action="store_true")
    return parser


def _schedules(args: argparse.Namespace) -> tuple[Any, list[str]]:
    items = list_schedules()
    data = [
        {"id": s.id, "title": s.title, "kind": s.kind, "year": s.year, "derives_from": s.derives_from,
         "cities": {k: c.name for k, c in s.cities.items()},
         "usage_classes": {k: u.name for k, u in s.usage_classes.items()}}
        for s in items
    ]
    text = [t("tariff.cli.schedule", id=s.id, title=s.title, cities=len(s.cities),
              usages=len(s.usage_classes)) for s in items]
    return data, text


def _bill(args: argparse.Namespace) -> tuple[Any, list[str]]:
    readings = args.readings or (None, None)
    inp = BillInput(
        schedule=args.schedule, usage=args.usage, city=args.city, zone=args.zone, units=args.units,
        non_residential_units=args.non_residential_units, start=args.start, end=args.end,
        previous_reading=readings[0], current_reading=readings[1], consumption=args.consumption,
        contract_capacity=args.capacity, has_sewage=args.sewage,
        public_revenue_building=args.public_revenue, previous_carry=args.carry,
        previous_balance=args.balance,
    )
    result = compute_bill(inp)
    explanation = render_steps(result, t, fmt)
    data = {**result.model_dump(mode="json"), "explanation": explanation}
    sched = get_schedule(args.schedule)
    text = [
        t("tariff.cli.bill_header", schedule=sched.title, city=sched.cities[args.city].name,
          usage=sched.usage_classes[args.usage].name),
        *render_lines(result, t, fmt),
        t("tariff.cli.total", amount=fmt.number(result.total)),
        t("tariff.cli.payable", amount=fmt.number(result.payable), carry=fmt.number(result.carry)),
        t("tariff.cli.subsidy", cost=fmt.number(result.cost_price_per_m3),
          subsidy=fmt.number(result.subsidy)),
        t("tariff.cli.how"),
        *explanation,
    ]
    if args.what_if:
        pairs = what_if(inp, args.what_if)
        data["what_if"] = [{"consumption": str(q), "total": total} for q, total in pairs]
        text += [t("tariff.cli.what_if", consumption=show(fmt, "", q), amount=fmt.number(total))
                 for q, total in pairs]
    return data, text


def _branch(args: argparse.Namespace) -> tuple[Any, list[str]]:
    inp = BranchFeeInput(
        schedule=args.schedule, city=args.city, zone=args.zone, usage=args.usage, units=args.units,
        contract_capacity=args.capacity, water=not args.no_water, sewage=args.sewage,
        water_diameter=args.water_diameter, sewage_diameter=args.sewage_diameter,
        sewage_digging=args.digging, has_sewage=args.has_sewage, sewage_project=args.sewage_project,
    )
    result = branch_fee(inp)
    explanation = render_steps(result, t, fmt)
    return ({**result.model_dump(mode="json"), "explanation": explanation},
            branch_report(inp, result, t, fmt))


def _pattern(args: argparse.Namespace) -> tuple[Any, list[str]]:
    result = pattern_for(args.schedule, args.city, args.usage)
    sched = get_schedule(args.schedule)
    data: dict[str, Any] = result.model_dump(mode="json")
    text = [t("tariff.cli.pattern", city=sched.cities[args.city].name,
              usage=sched.usage_classes[args.usage].name, pattern=show(fmt, "", result.per_unit_month))]
    if result.urban_pattern is not None:
        text.append(t("tariff.cli.rural_map", urban=result.urban_pattern,
                      rural=show(fmt, "", result.per_unit_month)))
    if args.consumption is not None:
        above = above_pattern(result, args.consumption, args.days, args.units)
        data["above"] = above.model_dump(mode="json")
        text.append(t("tariff.cli.above", allowed=show(fmt, "", above.allowed),
                      above=show(fmt, "", above.above), percent=show(fmt, "", above.percent_above)))
    return data, text


COMMANDS = {"schedules": _schedules, "bill": _bill, "branch-fee": _branch, "pattern": _pattern}


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 2 on a TariffError (printed as text or JSON)."""
    args = _parser().parse_args(argv)
    try:
        data, text = COMMANDS[args.command](args)
    except TariffError as exc:
        if args.json:
            print(json.dumps({"error": exc.code, "message": str(exc)}, ensure_ascii=False))
        else:
            print(t("tariff.cli.error", code=exc.code, message=str(exc)), file=sys.stderr)
        return 2
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else "\n".join(text))
    return 0
