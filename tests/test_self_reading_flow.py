"""Meter self-reading through the real Application: checks, confirmation, photo, /cancel, restart."""

from __future__ import annotations

import jdatetime
import pytest

from bot.billing.meter_check import estimate
from bot.text import fmt
from bot.text.i18n import t
from tests.billing_fixtures import seed_bills, seed_subscriber

TODAY = jdatetime.date(1405, 9, 28).togregorian()  # 30 days after the last bill (1405/08/28)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.text.fmt.tehran_today", lambda: TODAY)


async def linked(store, chat_id: int, verified: bool = True, nickname: str = "خانه", **extra):
    """A subscriber with six bills of 15 m³ a month, linked to the chat."""
    subscriber = await seed_subscriber(store, **extra)
    bills = await seed_bills(store, subscriber, periods=6, monthly_use=15, last=(1405, 4))
    await store.upsert_chat(chat_id, chat_id, "کاربر", None)
    await store.link_subscription(chat_id, subscriber.id, nickname)
    if verified:
        await store.verify_link(chat_id, subscriber.id)
    return subscriber, bills[-1]


async def open_reading(user):
    await user.send(t("menu.tariffs"))
    return await user.tap(t("tariffs_menu.self_reading"))


async def test_full_flow_with_wrong_inputs_a_restart_and_a_photo(running):
    store = running.store
    subscriber, bill = await linked(store, 601)
    user = running.user(601)
    replies = await open_reading(user)
    assert replies[-1].text == t(
        "reading.ask", nickname="خانه", previous=fmt.digits(bill.curr_reading),
        date=fmt.jalali_date(bill.curr_reading_date))

    replies = await user.tap(t("reading.button_howto"))
    assert replies[-1].text == t("info.bodies.read_meter")

    replies = await user.send("دوازده")
    assert replies[0].text == t("reading.not_a_number", text="دوازده")
    replies = await user.send("123456789")
    assert replies[0].text == t("reading.too_many_digits")
    lower = bill.curr_reading - 5
    replies = await user.send(str(lower))
    assert replies[0].text == t(
        "reading.lower", reading=fmt.digits(lower), previous=fmt.digits(bill.curr_reading),
        date=fmt.jalali_date(bill.curr_reading_date))

    await running.restart()
    value = bill.curr_reading + 14
    replies = await user.send(fmt.digits(value))  # Persian digits
    assert replies[-1].text == t("reading.ask_photo")
    replies = await user.send("بفرما")
    assert replies[0].text == t("reading.photo_expected")
    assert (await store.last_reading(subscriber.id)).source == "reader"  # nothing stored yet

    await running.restart()
    replies = await user.send_photo()
    reading = await store.last_reading(subscriber.id)
    assert (reading.source, reading.reading, reading.read_on) == ("self", value, TODAY)
    assert reading.photo_file_id and reading.photo_file_id.startswith("photo-")
    text = replies[0].text
    assert t("reading.saved_with_photo", reading=fmt.digits(value),
             date=fmt.jalali_date(TODAY)) in text
    expected = estimate(subscriber, bill, None, value, TODAY)
    assert expected is not None and expected.use == 14 and expected.result.days == 30
    assert fmt.rials(expected.result.total) in text
    assert "میان‌دوره" in text and "برآورد" in text
    assert "self_reading" not in running.app.user_data[601]
    assert await store.outbox_messages(chat_id=601, kind="consumption") == []  # within pattern


async def test_huge_reading_needs_confirmation(running):
    subscriber, bill = await linked(running.store, 602)
    user = running.user(602)
    await open_reading(user)
    huge = bill.curr_reading + 900  # 30 m³ a day against 0.5 usual
    replies = await user.send(str(huge))
    assert replies[0].text == t("reading.huge", reading=fmt.digits(huge), use=900, days=30,
                                daily=fmt.number(30, 1))
    replies = await user.tap(t("reading.button_retry"))
    assert replies[0].text == t("reading.retry")
    replies = await user.send(str(huge))
    await running.restart()
    replies = await user.tap(t("reading.button_confirm"))
    assert replies[0].text == t("reading.ask_photo")
    replies = await user.tap(t("common.button_skip"))
    reading = await running.store.last_reading(subscriber.id)
    assert (reading.source, reading.reading, reading.photo_file_id) == ("self", huge, None)
    assert replies[0].text.startswith(t("reading.saved", reading=fmt.digits(huge),
                                        date=fmt.jalali_date(TODAY)))
    assert "بیشتر از مجاز" in replies[0].text  # 900 m³ in 30 days is far above the pattern
    alerts = await running.store.outbox_messages(chat_id=602, kind="consumption")
    assert len(alerts) == 1 and "۹۰۰" in alerts[0]["text"]  # queued with the reading


async def test_photo_with_the_number_as_caption(running):
    subscriber, bill = await linked(running.store, 603)
    user = running.user(603)
    await open_reading(user)
    replies = await user.send_photo(caption="abc")
    assert replies[0].text == t("reading.not_a_number", text="abc")
    replies = await user.send_photo(caption=fmt.digits(bill.curr_reading + 10))
    reading = await running.store.last_reading(subscriber.id)
    assert reading.reading == bill.curr_reading + 10 and reading.photo_file_id
    assert "میان‌دوره" in replies[0].text


async def test_cancel_in_the_middle_stores_nothing(running):
    subscriber, bill = await linked(running.store, 604)
    user = running.user(604)
    await open_reading(user)
    await user.send(str(bill.curr_reading + 10))
    replies = await user.send("/cancel")
    assert replies[0].text == t("common.cancelled")
    assert (await running.store.last_reading(subscriber.id)).source == "reader"
    replies = await user.press("sr:skip")
    assert replies[0].text == t("common.expired_button")
    assert (await running.store.last_reading(subscriber.id)).source == "reader"


async def test_no_link_and_unverified_link_are_explained(running):
    user = running.user(605)
    replies = await open_reading(user)
    assert replies[-1].text == t("reading.no_links")
    await linked(running.store, 606, verified=False)
    replies = await open_reading(running.user(606))
    assert replies[-1].text == t("reading.unverified")
    replies = await running.user(606).send("1234")  # no step waits for it any more
    assert replies[0].text == t("understand.not_understood")


async def test_several_subscriptions_pick_one(running):
    store = running.store
    home, _ = await linked(store, 607)
    shop, shop_bill = await linked(store, 607, nickname="مغازه")
    user = running.user(607)
    replies = await open_reading(user)
    assert replies[-1].text == t("reading.pick")
    assert [label.split(" — ")[0] for call in replies for row in call.inline
            for label, _ in row] == ["خانه", "مغازه"]
    replies = await user.send("مغازه")
    assert replies[0].text == t("tariffs_menu.use_buttons")
    replies = await user.press(f"sr:sub:{shop.id + 1000}")  # not linked: asked again
    assert replies[-1].text == t("reading.pick")
    replies = await user.press(f"sr:sub:{shop.id}")
    assert "«مغازه»" in replies[-1].text
    await user.send(str(shop_bill.curr_reading + 3))
    await user.tap(t("common.button_skip"))
    assert (await store.last_reading(shop.id)).source == "self"
    assert (await store.last_reading(home.id)).source == "reader"


async def test_first_reading_without_history(running):
    store = running.store
    subscriber = await seed_subscriber(store)
    await store.upsert_chat(608, 608, "کاربر", None)
    await store.link_subscription(608, subscriber.id, "خانه")
    await store.verify_link(608, subscriber.id)
    user = running.user(608)
    replies = await open_reading(user)
    assert replies[-1].text == t("reading.ask_first", nickname="خانه")
    await user.send("۵۰")
    replies = await user.tap(t("common.button_skip"))
    assert t("reading.no_estimate") in replies[0].text
    assert (await store.last_reading(subscriber.id)).reading == 50

