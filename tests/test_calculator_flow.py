"""The tariff calculator through the real Application: every step, bad input, /cancel, restart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.billing.tariff_estimate import calculator_input, what_if_answers
from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import text_of
from handlers.calculator import what_if_line
from tariffs import compute_bill, what_if

TODAY = dt.date(2026, 11, 23)  # 1405/09/02: a 60-day period touches آبان, a hot month
TABRIZ = "east-azarbaijan-urban-1398"


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.text.fmt.tehran_today", lambda: TODAY)


def labels(replies) -> list[str]:
    return [label for call in replies for row in call.inline for label, _ in row]


async def open_calculator(user):
    replies = await user.send(t("menu.tariffs"))
    assert replies[-1].text == t("tariffs_menu.prompt")
    assert t("tariffs_menu.calculator") in labels(replies)
    replies = await user.tap(t("tariffs_menu.calculator"))
    assert replies[-1].text == t("calc.ask_schedule")
    return replies


async def test_household_bill_with_bad_input_at_every_step_and_a_restart(running):
    user = running.user(501)
    replies = await open_calculator(user)
    assert "تعرفه آب و فاضلاب شهری استان آذربایجان شرقی ۱۳۹۸" in labels(replies)

    replies = await user.send("تبریز")  # typed where a button is expected
    assert replies[0].text == t("tariffs_menu.use_buttons")
    assert replies[1].text == t("calc.ask_schedule")
    replies = await user.press(f"calc:s:{TABRIZ}")
    assert replies[-1].text == t("calc.ask_usage")
    assert "خانگی" in labels(replies)

    replies = await user.press("calc:u:nonsense")  # forged class
    assert t("tariffs_menu.stale_step") in text_of(replies)
    replies = await user.press("calc:u:household")
    assert replies[-1].text == t("calc.ask_city", page=1, pages=3)
    replies = await user.tap(t("tariffs_menu.page_next"))
    assert replies[-1].text == t("calc.ask_city", page=2, pages=3)

    replies = await user.send("لندن")
    assert replies[0].text == t("calc.city_not_found", query="لندن")
    replies = await user.send("تبريز")  # Arabic yeh, as some keyboards type it
    assert replies[-1].text == t("calc.ask_units")

    for bad in ("دو", "۰", "۱۲.۵", "100000"):
        replies = await user.send(bad)
        assert replies[0].text == t("calc.bad_units", max=500, text=bad)
        assert replies[1].text == t("calc.ask_units")
    replies = await user.send("۲")
    assert replies[-1].text == t("calc.ask_days")

    replies = await user.send("۴۰۰")
    assert replies[0].text == t("calc.bad_days", max=366, text="۴۰۰")
    replies = await user.press("calc:d:60")
    assert replies[-1].text == t("calc.ask_consumption", days=60)

    for bad in ("چهل", "۴۰.۵", "-3"):
        replies = await user.send(bad)
        assert replies[0].text == t("calc.bad_consumption", max=1_000_000, text=bad)
    replies = await user.send("۴۰")
    assert replies[-1].text == t("calc.ask_sewage")

    await running.restart()
    replies = await user.press("calc:w:y")

    inp = calculator_input(TABRIZ, "household", "tabriz", 2, 60, 40, True)
    result = compute_bill(inp)
    answer = replies[0].text
    assert "تبریز، کاربری خانگی، ۲ واحد، با انشعاب فاضلاب" in answer
    assert t("calc.total", total=fmt.rials(result.total)) in answer
    assert t("calc.payable", payable=fmt.rials(result.payable)) in answer
    assert "آب‌بها: " in answer and "کارمزد دفع فاضلاب: " in answer
    answers = what_if_answers(inp, result)
    assert [a.consumption for a in answers] == [35, 30, 20]  # 5 and 10 less; band 5–10 m³ → 20
    for item in answers:
        assert what_if_line(item, result) in answer
        assert item.total < result.total
    # issue 16, point 4: the result, its explanation and the what-if prompt in one message,
    # put in place of the sewage question, with the buttons to start again
    assert len(replies) == 1 and replies[0].method == "editMessageText"
    assert answer.index(t("calc.how_header")) > answer.index(t("calc.total", total=fmt.rials(result.total)))
    assert "مصرف یک‌ماهه یک واحد" in answer
    assert answer.endswith("\n".join([t("calc.note"), t("calc.ask_what_if")]))
    assert replies[0].button(t("calc.button_again")) == "calc:start"

    # issue 13, point 9: besides the three preset amounts, any typed amount
    for typed, used in (("۲۵", 25), ("80", 80), ("۴۰", 40)):
        [(_, total)] = what_if(inp, [Decimal(used)])
        replies = await user.send(typed)
        params = {"consumption": used, "days": 60, "total": fmt.rials(total), "actual": "۴۰"}
        if total == result.total:
            assert replies[0].text == t("calc.what_if_typed_same", **params)
        else:
            key = "calc.what_if_typed_less" if total < result.total else "calc.what_if_typed_more"
            assert replies[0].text == t(key, difference=fmt.rials(abs(total - result.total)),
                                        **params)
    replies = await user.send("چهل و پنج")
    assert replies[0].text == t("calc.bad_what_if", max=1_000_000, text="چهل و پنج")
    await running.restart()
    replies = await user.send("۱۰")
    assert replies[0].text.startswith(t("calc.what_if_typed_less", consumption=10, days=60,
                                        total="", actual="", difference="").split("۱۰")[0])
    replies = await user.send(t("menu.bills"))  # leaving drops the draft
    assert "calculator" not in running.app.user_data[501]


async def test_non_household_with_contract_capacity(running):
    user = running.user(502)
    await open_calculator(user)
    await user.press(f"calc:s:{TABRIZ}")
    await user.press("calc:u:commercial")
    replies = await user.send("مرا")  # matches only مراغه
    assert replies[-1].text == t("calc.ask_units")
    replies = await user.press("calc:n:1")
    assert replies[-1].text == t("calc.ask_capacity")
    replies = await user.send("سی")
    assert replies[0].text == t("calc.bad_capacity", max=100_000, text="سی")
    replies = await user.send("۳۰")
    assert replies[-1].text == t("calc.ask_days")
    await user.send("۴۵")
    await user.send("50")
    replies = await user.press("calc:w:n")

    inp = calculator_input(TABRIZ, "commercial", "maragheh", 1, 45, 50, False, 30)
    result = compute_bill(inp)
    assert t("calc.total", total=fmt.rials(result.total)) in replies[0].text
    assert "بدون انشعاب فاضلاب" in replies[0].text
    reasons = [a.reason for a in what_if_answers(inp, result)]
    assert reasons == ["pattern", "less"]  # 45 m³ allowed (also 5 less), then 10 less
    assert "در حد مجاز، ۴۵ مترمکعب" in replies[0].text


async def test_rural_schedule_with_several_matches_and_skipped_capacity(running):
    user = running.user(503)
    await open_calculator(user)
    await user.press("calc:s:khorasan-razavi-rural-1386")
    await user.press("calc:u:public")
    replies = await user.send("تربت")
    assert replies[0].text == t("calc.city_many", query="تربت")
    assert labels(replies) == ["تربت حیدریه", "تربت جام"]
    await user.tap("تربت جام")
    await user.send("1")
    replies = await user.press("calc:skip")
    assert replies[-1].text == t("calc.ask_days")
    await user.press("calc:d:30")
    await user.send("۱۰")
    replies = await user.press("calc:w:n")
    inp = calculator_input("khorasan-razavi-rural-1386", "public", "torbat_jam", 1, 30, 10, False)
    assert t("calc.total", total=fmt.rials(compute_bill(inp).total)) in replies[0].text


async def test_cancel_in_the_middle_keeps_nothing(running):
    user = running.user(504)
    await open_calculator(user)
    await user.press(f"calc:s:{TABRIZ}")
    await user.press("calc:u:household")
    await user.send("تبریز")
    assert running.app.user_data[504]["calculator"]["city"] == "tabriz"
    replies = await user.send("/cancel")
    assert replies[0].text == t("common.cancelled")
    assert "calculator" not in running.app.user_data[504]
    replies = await user.send("۲")  # no step waits for it any more
    assert replies[0].text == t("understand.not_understood")
    replies = await user.press("calc:w:y")  # an old button after the flow ended
    assert replies[0].text == t("common.expired_button")


async def test_again_button_restarts_and_old_step_buttons_are_refused(running):
    user = running.user(505)
    await open_calculator(user)
    await user.press(f"calc:s:{TABRIZ}")
    replies = await user.press("calc:d:60")  # a button of a later step
    assert replies[0].text == t("tariffs_menu.stale_step")
    await user.press("calc:u:household")
    replies = await user.press("calc:start")
    assert replies[-1].text == t("calc.ask_schedule")
    assert running.app.user_data[505]["calculator"] == {}


async def test_a_main_menu_button_in_the_middle_leaves_the_calculator(running):
    user = running.user(506)
    await open_calculator(user)
    await user.press(f"calc:s:{TABRIZ}")
    replies = await user.send(t("menu.tariffs"))
    assert replies[-1].text == t("tariffs_menu.prompt")
    assert "calculator" not in running.app.user_data[506]
    replies = await user.press("calc:u:household")
    assert replies[0].text == t("common.expired_button")
