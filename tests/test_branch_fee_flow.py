"""Issue 13, point 7: the branch-fee calculator in the chat, through the real Application,
answering what `python -m tariffs branch-fee` prints."""

from __future__ import annotations

from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import text_of
from tariffs import BranchFeeInput, branch_fee
from tariffs.cli import main as tariffs_main
from tariffs.render import branch_report

EA = "east-azarbaijan-urban-1398"


def labels(replies) -> list[str]:
    return [label for call in replies for row in call.inline for label, _ in row]


async def test_household_branch_in_tabriz_is_itemised_as_the_cli_shows_it(running, capsys):
    user = running.user(7001)
    replies = await user.send(t("menu.tariffs"))
    replies = await user.tap(t("tariffs_menu.branch_fee"))
    assert replies[-1].text == t("branch_calc.ask_schedule")
    assert labels(replies)[0] == "تعرفه آب و فاضلاب شهری استان آذربایجان شرقی ۱۳۹۸"  # home first
    replies = await user.tap("آذربایجان شرقی")
    assert replies[-1].text == t("branch_calc.ask_usage")
    replies = await user.tap("خانگی")
    replies = await user.send("تبريز")
    assert replies[-1].text == t("branch_calc.ask_zone", city="تبریز")
    replies = await user.send("۱۲")
    assert replies[0].text == t("branch_calc.bad_zone", text="۱۲")
    replies = await user.tap(t("branch_calc.zone_button", zone=3))
    assert replies[-1].text == t("branch_calc.ask_what")
    replies = await user.press("bf:n:2")  # a button of a later step is refused
    assert replies[0].text == t("tariffs_menu.stale_step")
    await user.press("bf:w:water")
    replies = await user.send("دو")
    assert replies[0].text == t("calc.bad_units", max=500, text="دو")
    replies = await user.send("۲")
    assert replies[-1].text == t("branch_calc.ask_water_diameter")
    assert labels(replies)[:2] == ["۱/۲ اینچ", "۳/۴ اینچ"]
    await running.restart()
    replies = await user.tap("۱/۲ اینچ")

    inp = BranchFeeInput(schedule=EA, city="tabriz", zone=3, usage="household", units=2,
                         water=True, sewage=False, water_diameter="1/2")
    result = branch_fee(inp)
    assert result.total == 37_660_000  # seed 003, as in the request summary test
    report = branch_report(inp, result, t, fmt)
    cut = report.index(t("tariff.cli.how"))
    assert replies[0].text == "\n".join(["🏗 " + report[0], *report[1:cut]])
    assert tariffs_main(["branch-fee", "--city", "tabriz", "--zone", "3", "--units", "2"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:cut] == report[1:cut]  # the same items and total as the command line
    explained = text_of(replies[1:])
    assert all(line in explained for line in report[cut + 1:])
    assert t("branch_calc.note2", share="۵۵") in replies[-1].text
    assert "branch_fee" not in running.app.user_data[user.id]


async def test_non_household_asks_the_capacity_and_not_the_zone(running):
    user = running.user(7002)
    await user.press("bf:start")
    await user.tap("آذربایجان شرقی")
    await user.tap("تجاری")
    replies = await user.send("تبریز")  # the non-household fee does not depend on the zone
    assert replies[-1].text == t("branch_calc.ask_what")
    await user.tap(t("branch_calc.what_both"))
    await user.tap("۱")
    replies = await user.send("سی")
    assert replies[0].text == t("branch_calc.bad_capacity", max=100_000, text="سی")
    await user.send("۲۰")
    await user.tap("۳/۴ اینچ")
    replies = await user.tap("۱۵۰ میلی‌متر")
    result = branch_fee(BranchFeeInput(schedule=EA, city="tabriz", usage="commercial", units=1,
                                       contract_capacity=20, water=True, sewage=True,
                                       water_diameter="3/4", sewage_diameter="150"))
    assert t("tariff.cli.total", amount=fmt.number(result.total)) in replies[0].text
    assert "ارزش تجاری" in replies[0].text


async def test_a_schedule_without_installation_prices_asks_no_diameter(running):
    user = running.user(7003)
    await user.press("bf:start")
    await user.tap("اصفهان")
    await user.tap("خانگی")
    await user.send("مبارکه")
    await user.tap(t("branch_calc.what_water"))
    replies = await user.tap("۳")
    assert t("tariff.cli.total", amount=fmt.number(1_500_000)) in replies[0].text  # 3 × 500,000
