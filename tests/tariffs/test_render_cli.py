"""Persian explanation templates, the renderer and the command line."""

from __future__ import annotations

import json

import jdatetime
import pytest

from bot.text import fmt
from bot.text.i18n import default_locale, t
from tariffs import BillInput, BranchFeeInput, branch_fee, compute_bill
from tariffs.cli import main
from tariffs.render import render_lines, render_steps

EA = "east-azarbaijan-urban-1398"


def _results():
    start, end = jdatetime.date(1398, 5, 15), jdatetime.date(1398, 7, 15)
    yield compute_bill(BillInput(schedule=EA, usage="household", city="tabriz", start=start, end=end,
                                 previous_reading=10, current_reading=200, has_sewage=True))
    yield compute_bill(BillInput(schedule=EA, usage="commercial", city="marand", start=start, end=end,
                                 consumption=90, contract_capacity=20, has_sewage=True))
    yield compute_bill(BillInput(schedule=EA, usage="industrial", city="ahar", start=start, end=end,
                                 consumption=5))
    yield compute_bill(BillInput(schedule="isfahan-rural", usage="household", city="isfahan",
                                 start=start, end=end, consumption=50))
    yield branch_fee(BranchFeeInput(schedule=EA, city="tabriz", zone=1, sewage=True, sewage_digging=True))
    yield branch_fee(BranchFeeInput(schedule=EA, city="maragheh", sewage_project=True))
    yield branch_fee(BranchFeeInput(schedule=EA, city="marand", usage="commercial", contract_capacity=5,
                                    sewage=True))
    yield branch_fee(BranchFeeInput(schedule="khorasan-razavi-rural-1386", city="mashhad", sewage=True))


@pytest.mark.parametrize("result", list(_results()))
def test_every_step_has_a_template_with_its_placeholders(result):
    locale = default_locale()
    for step in result.steps:
        key = f"tariff.steps.{step.code}"
        assert locale.placeholders[key] == {*step.values, "result"}, key
    for item in result.lines:
        assert locale.has(f"tariff.lines.{item.code}")
    lines = render_steps(result, t, fmt)
    assert len(lines) == len(result.steps)
    assert all(not any(c.isascii() and c.isdigit() for c in line) for line in lines)
    assert len(render_lines(result, t, fmt)) == len(result.lines)


def test_cli_bill_json(capsys):
    code = main(["bill", "--city", "tabriz", "--start", "1398/07/01", "--end", "1398/08/01",
                 "--consumption", "20", "--what-if", "10", "20", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["total"] == 94261 and data["payable"] == 94000 and data["carry"] == 261
    assert [line["code"] for line in data["lines"]] == ["water_charge", "fixed_fee", "note2", "tax"]
    assert sum(s["result"] for s in data["steps"] if s["line"]) == data["total"]
    assert len(data["explanation"]) == len(data["steps"])
    assert data["what_if"][1] == {"consumption": "20", "total": 94261}
    assert data["start"] == "1398-07-01" and data["consumption"] == "20"


@pytest.mark.parametrize(
    "argv",
    [
        ["schedules"],
        ["bill", "--city", "marand", "--usage", "commercial", "--capacity", "20", "--start",
         "۱۳۹۸/۰۴/۲۰", "--end", "1398/06/20", "--readings", "100", "155", "--sewage"],
        ["branch-fee", "--city", "tabriz", "--zone", "4", "--sewage", "--digging"],
        ["pattern", "--schedule", "khorasan-razavi-rural-1386", "--city", "mashhad",
         "--consumption", "40", "--days", "60"],
    ],
)
def test_cli_text_and_json(capsys, argv):
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_cli_error_code(capsys):
    assert main(["branch-fee", "--city", "tabriz", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "zone_required"
    assert main(["bill", "--city", "nowhere", "--start", "1398/01/01", "--end", "1398/02/01",
                 "--consumption", "5"]) == 2
    assert "unknown_city" in capsys.readouterr().err


def test_locale_usage_in_tariffs_is_consistent():
    default_locale().check_usage(["tariffs"])
