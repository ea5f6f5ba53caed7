"""Typed text through the real Application: pasted identifiers, questions that go to their
answer, suggestions, out-of-domain answers, and other requests or cancel words inside a step."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.identifiers import format_code
from bot.store.request_models import NewRequest
from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import text_of
from bot.understand.numbers import masked
from tests.billing_fixtures import PHONE, seed_bills, seed_subscriber

USER = 7001
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.text.fmt.tehran_today", lambda: TODAY)


@pytest.fixture
async def home(store):
    """A Tabriz subscriber whose last bill jumped."""
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=8, monthly_use=[14] * 7 + [45])
    return sub, bills


def data_of(replies) -> list[str]:
    return [d for call in replies for row in call.inline for _, d in row]


def labels_of(replies) -> list[str]:
    return [label for call in replies for row in call.inline for label, _ in row]


async def linked(running, sub) -> None:
    """Link and verify the subscription for USER (as the bill flow does)."""
    await running.store.upsert_chat(USER, USER, "م", None)
    await running.store.link_subscription(USER, sub.id, "خانه")
    await running.store.verify_link(USER, sub.id)


# --- point 2: pasted identifiers ----------------------------------------------------------

async def test_a_pasted_subscription_number_asks_for_proof_then_shows_the_bill(running, home):
    sub, bills = home
    user = running.user(USER)
    replies = await user.send(f"سلام، شماره اشتراکم:\n{fmt.digits(sub.subscription_number)}")
    assert t("own.ask_phone_or_payment") in text_of(replies)
    assert await running.store.link(USER, sub.id) is None  # nothing shown or linked yet
    replies = await user.share_contact(PHONE)
    assert fmt.digits(bills[-1].payment_id) in text_of(replies)
    assert (await running.store.link(USER, sub.id)).verified


async def test_a_pasted_bill_and_payment_id_of_an_owned_subscription_opens_the_bill(running, home):
    sub, bills = home
    await linked(running, sub)
    sms = (f"مشترک گرامی\nمبلغ قابل پرداخت: ۱٬۲۰۰٬۰۰۰ ریال\nشناسه قبض: {fmt.digits(sub.bill_id)}\n"
           f"شناسه پرداخت: {fmt.digits(bills[-1].payment_id)}")
    replies = await running.user(USER).send(sms)
    assert fmt.rials(bills[-1].payable) in text_of(replies)
    assert f"bill:why:{bills[-1].id}" in data_of(replies)


async def test_pasted_numbers_count_against_the_lookup_throttle(running, home, settings):
    sub, _ = home
    user = running.user(USER)
    for _ in range(settings.lookups_per_minute):
        await user.send(sub.subscription_number)
        await user.send("/cancel")
    replies = await user.send(sub.subscription_number)
    assert "ثانیه" in text_of(replies) and t("own.ask_phone_or_payment") not in text_of(replies)


async def test_a_pasted_tracking_code_shows_its_request(running):
    request = await running.store.create_request(NewRequest(
        kind="incident", service="burst_pipe", chat_id=USER, user_id=USER, stage="registered",
        latitude=38.07, longitude=46.29))
    code = request.code
    replies = await running.user(USER).send(f"کد رهگیری {code[:4]}-{code[4:7]}-{code[7:]}")
    assert format_code(code) in text_of(replies)
    stranger = await running.user(USER + 1).send(code)  # anyone else: the stage only
    assert format_code(code) in text_of(stranger) and "ترکیدگی لوله" not in text_of(stranger)


async def test_a_number_of_two_kinds_is_asked_about(running):
    replies = await running.user(USER).send("70520925650")
    assert t("understand.which_number") in text_of(replies)
    assert labels_of(replies) == [t("understand.number_is_tracking"),
                                  t("understand.number_is_bill")]
    replies = await running.user(USER).press(data_of(replies)[0])
    assert t("track.not_found") in text_of(replies)


# --- point 3: questions go to the answer --------------------------------------------------

async def test_pattern_of_a_named_city_is_answered(running):
    replies = await running.user(USER).send("الگوی مصرف تبریز چقدره؟")
    text = text_of(replies)
    assert "تبریز" in text and t("info.pattern.advice") in text


async def test_a_use_in_m3_opens_the_calculator_with_it_filled_in(running):
    user = running.user(USER)
    replies = await user.send("۳۰ متر مکعب آب چقدر میشه؟")
    assert replies[-1].text == t("calc.ask_schedule")
    await user.press("calc:s:east-azarbaijan-urban-1398")
    await user.press("calc:u:household")
    await user.press("calc:c:tabriz")
    await user.press("calc:n:1")
    replies = await user.press("calc:d:30")
    assert replies[-1].text == t("calc.ask_sewage")  # the use was not asked again
    replies = await user.press("calc:w:y")
    assert "۳۰" in text_of(replies) and "تبریز" in text_of(replies)


async def test_the_calculator_takes_the_city_of_a_linked_subscription(running, home):
    sub, _ = home
    await linked(running, sub)
    user = running.user(USER)
    replies = await user.send("اگه ۲۰ متر مکعب مصرف کنم چقدر میشه")
    assert replies[-1].text.startswith(t("calc.ask_days").split("\n")[0][:20])
    await user.press("calc:d:60")
    replies = await user.press("calc:w:n")
    assert "تبریز" in text_of(replies) and "۲۰" in text_of(replies)


async def test_tanker_water_opens_its_service_card(running):
    replies = await running.user(USER).send("آب تانکری میخوام")
    assert "خرید آب تانکری" in text_of(replies)
    assert "svc:start:tanker_water" in data_of(replies)


async def test_a_burst_pipe_gives_the_emergency_number_then_asks_where(running):
    replies = await running.user(USER).send("لوله جلوی خونه ترکیده")
    assert "۱۲۲" in replies[0].text
    assert replies[-1].text == t("incident.ask_location", type="ترکیدگی لوله",
                                 button=t("requests.button_location"))
    replies = await running.user(USER).share_location(38.07, 46.29)
    assert replies[-1].text == t("incident.ask_photo")


async def test_why_is_my_bill_high_runs_the_diagnosis(running, home):
    sub, bills = home
    await linked(running, sub)
    replies = await running.user(USER).send("چرا قبضم انقدر زیاد اومده")
    assert t("why.title", period=bills[-1].period, year=bills[-1].year, nickname="خانه") \
        in text_of(replies)


async def test_why_is_my_bill_high_without_a_link_asks_for_the_number(running):
    replies = await running.user(USER).send("چرا قبضم زیاد اومده")
    assert t("understand.link_first") in text_of(replies)
    assert t("bills.ask_number") in text_of(replies)


async def test_out_of_domain_gets_what_the_bot_does(running):
    replies = await running.user(USER).send("قیمت دلار امروز چنده؟")
    assert replies[-1].text == t("understand.out_of_domain",
                                 topic=t("understand.topics.currency"))
    assert replies[-1].keyboard


# --- point 4: suggestions, never a bare «I did not understand» -----------------------------

async def test_unsure_gets_at_most_three_suggestions_and_the_menu(running):
    user = running.user(USER)
    replies = await user.send("کنتور")
    assert replies[-1].text == t("understand.did_you_mean")
    data = data_of(replies)
    assert 2 <= len(data) <= 4 and data[-1] == "nlu:menu::"
    replies = await user.press(data[0])
    assert replies and replies[-1].text != t("common.expired_button")


async def test_nonsense_is_answered_with_a_way_forward_and_counted_masked(running):
    user = running.user(USER)
    await user.send("زرشک پلو 0912 123 4567")
    replies = await user.send("زرشک پلو 0912 123 4567")
    assert replies[-1].text == t("understand.not_understood") and replies[-1].keyboard
    counted = await running.store.unknown_texts()
    assert [(c.text, c.count) for c in counted] == [(masked("زرشک پلو 0912 123 4567"), 2)]
    assert "0912" not in counted[0].text


# --- point 5: inside a step that waits for typed input -----------------------------------

async def open_consumption_step(user):
    await user.send(t("menu.tariffs"))
    await user.tap(t("tariffs_menu.calculator"))
    await user.press("calc:s:east-azarbaijan-urban-1398")
    await user.press("calc:u:household")
    await user.press("calc:c:tabriz")
    await user.press("calc:n:1")
    replies = await user.press("calc:d:60")
    assert replies[-1].text == t("calc.ask_consumption", days=60)


async def test_another_request_in_a_step_offers_to_leave_and_keeps_the_draft(running):
    user = running.user(USER)
    await open_consumption_step(user)
    replies = await user.send("قبض")
    assert replies[-1].text == t("understand.leave_step", request=t("understand.labels.bill"))
    leave, stay = data_of(replies)
    assert leave.startswith("nlu:bill")
    replies = await user.press(stay)
    assert replies[-1].text == t("understand.stayed")
    replies = await user.send("۲۵")  # the step and its draft are still there
    assert replies[-1].text == t("calc.ask_sewage")


async def test_leaving_a_step_for_the_other_request(running):
    user = running.user(USER)
    await open_consumption_step(user)
    replies = await user.send("الگوی مصرف مشهد")
    replies = await user.press(data_of(replies)[0])
    assert "مشهد" in text_of(replies) and t("info.pattern.advice") in text_of(replies)
    replies = await user.send("۲۵")  # the calculator was left
    assert t("calc.ask_sewage") not in text_of(replies)


@pytest.mark.parametrize(("word", "answer"), [("بیخیال", "common.cancelled"), ("لغو", "common.cancelled"),
                                              ("منو", "common.back_to_menu"),
                                              ("بازگشت", "common.back_to_menu")])
async def test_cancel_words_work_inside_a_step(running, word, answer):
    user = running.user(USER)
    await open_consumption_step(user)
    replies = await user.send(word)
    assert replies[-1].text == t(answer)
    replies = await user.send("۲۵")
    assert t("calc.ask_sewage") not in text_of(replies)


async def test_a_free_text_answer_is_not_taken_for_a_request(running):
    user = running.user(USER)
    replies = await user.send("آب گل آلوده")  # an incident report of water quality
    assert replies[-1].text.startswith(t("incident.ask_location", type="کیفیت آب",
                                         button=t("requests.button_location"))[:10])
    await user.share_location(38.07, 46.29)
    await user.send(t("common.button_skip"))
    replies = await user.send("آب تانکری هم میخوام ولی فعلا آب شیر گل آلوده و بو میده")
    leave = t("understand.leave_step", request="x").split("«")[0]
    assert leave not in text_of(replies) and not any(d.startswith("nlu:") for d in data_of(replies))
    assert running.app.user_data[USER]["incident"]["description"].startswith("آب تانکری")


async def test_ops_unknown_lists_the_most_frequent_texts(running, settings, capsys):
    from tests.test_ops_cli import ops

    for text, times in (("زرشک پلو", 3), ("کد ملی من 0012345679", 1), ("هلو هلو هلو", 2)):
        for _ in range(times):
            await running.store.count_unknown_text(masked(text))
    assert await ops(settings, "unknown", "--limit", "2") == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(r[0], r[2]) for r in rows] == [("3", "زرشک پلو"), ("2", "هلو هلو هلو")]
    assert await ops(settings, "unknown") == 0
    assert "0012345679" not in capsys.readouterr().out


async def test_a_mistyped_number_says_which_check_failed(running, home):
    sub, _ = home
    typo = sub.subscription_number[:-1] + str((int(sub.subscription_number[-1]) + 1) % 10)
    replies = await running.user(USER).send(f"قبض اشتراک {fmt.digits(typo)}")
    assert t("bills.errors.check_digit") in text_of(replies)


async def test_cancel_words_at_the_menu(running):
    replies = await running.user(USER).send("لغو")
    assert replies[-1].text == t("common.nothing_to_cancel")


async def test_a_service_asked_with_a_number_opens_the_service(running, home):
    sub, _ = home
    replies = await running.user(USER).send(f"تغییر نام اشتراک {sub.subscription_number}")
    assert "svc:start:name_change" in data_of(replies)


async def test_a_branch_fee_question_opens_the_branch_fee_calculator(running):
    replies = await running.user(USER).send("هزینه انشعاب آب چقدره؟")
    assert replies[-1].text in (t("branch_calc.ask_schedule"), t("branch_calc.ask_usage"))
    assert any(d.startswith("bf:") for d in data_of(replies))


# --- the hardest messages of the blind set (tests/data/understand_blind.yaml), end to end ----

async def test_a_bank_app_receipt_with_labels_above_the_numbers_opens_the_bill(running, home):
    sub, bills = home
    await linked(running, sub)
    receipt = (f"پرداخت قبض\nقبض آب\nشناسه قبض\n{fmt.digits(sub.bill_id)}\nشناسه پرداخت\n"
               f"{fmt.digits(bills[-1].payment_id)}\nمبلغ (ریال)\n۱٬۲۰۰٬۰۰۰")
    replies = await running.user(USER).send(receipt)
    assert fmt.rials(bills[-1].payable) in text_of(replies)
    assert f"bill:why:{bills[-1].id}" in data_of(replies)


async def test_a_long_story_ending_in_why_runs_the_diagnosis(running, home):
    sub, bills = home
    await linked(running, sub)
    story = ("سلام وقتتون بخیر ببخشید مزاحم میشم من یه سوال داشتم ما تو خونه سه نفریم و پارسال "
             "قبضمون همیشه حدود صد تومن بود ولی این دوره اومده سیصد و پنجاه تومن نمیدونم چرا")
    replies = await running.user(USER).send(story)
    assert t("why.title", period=bills[-1].period, year=bills[-1].year, nickname="خانه") \
        in text_of(replies)


@pytest.mark.parametrize(("text", "kind"), [
    ("looleye ab tarakide jeloye khoone", "ترکیدگی لوله"),
    ("ab boo mide", "کیفیت آب"),
    ("سلام،وقت بخیر،کنتور ما رو دزد برده", "خرابی کنتور"),
])
async def test_finglish_and_colloquial_incidents_start_the_report(running, text, kind):
    replies = await running.user(USER).send(text)
    assert "۱۲۲" in replies[0].text
    assert replies[-1].text == t("incident.ask_location", type=kind,
                                 button=t("requests.button_location"))


async def test_a_tabrizi_message_about_no_water_gets_the_outage_answer(running, settings):
    replies = await running.user(USER).send("سویوموز گلمیر")
    assert replies[-1].text == t("understand.outage", emergency=settings.emergency_phone)


async def test_a_tracking_code_inside_a_sentence_shows_the_request(running):
    request = await running.store.create_request(NewRequest(
        kind="service", service="tanker_water", chat_id=USER, user_id=USER, stage="registered",
        latitude=38.07, longitude=46.29))
    text = f"سلام درخواست دادم کدش اینه {fmt.digits(request.code)} کی انجام میشه"
    replies = await running.user(USER).send(text)
    assert format_code(request.code) in text_of(replies)


@pytest.mark.parametrize(("text", "service"), [
    ("بدهی رو پرداخت کردم، آب رو وصل کنید لطفا", "reconnection"),
    ("میخوام آب آپارتمانو موقت ببندید چند ماه نیستیم", "disconnection"),
    ("اسباب کشی کردیم میشه انشعاب خونه قبلی رو بیاریم اینجا", "move_to_property"),
])
async def test_a_service_said_in_other_words_opens_its_card(running, text, service):
    replies = await running.user(USER).send(text)
    assert f"svc:start:{service}" in data_of(replies)


async def test_a_mistyped_bill_question_asks_for_the_number_not_the_menu(running):
    replies = await running.user(USER).send("قبصم چقدره")
    assert t("bills.ask_number") in text_of(replies)
