"""The bill lookup conversation and the buttons under a bill, through the real Application."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from bot.billing.chart import current_point
from bot.billing.view import render_bill
from bot.domain.identifiers import BillId
from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import text_of
from tests.billing_fixtures import (
    OTHER_PHONE,
    PHONE,
    seed_bills,
    seed_subscriber,
    unknown_subscription_number,
)

USER, STRANGER = 5001, 5002


def spaced_persian(digits: str) -> str:
    """A number as a user might paste it: Persian digits in groups of four."""
    groups = [digits[i:i + 4] for i in range(0, len(digits), 4)]
    return fmt.digits(" ".join(groups))


def wrong_check(digits: str) -> str:
    """The same number with its last digit changed."""
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


@pytest.fixture
async def home(store):
    """A subscriber with twelve bills, the last one with a sudden jump in use."""
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=12, monthly_use=[14] * 11 + [45])
    return sub, bills


def contact_button(calls) -> bool:
    """Whether the last reply carries a request_contact keyboard button."""
    rows = calls[-1].markup.get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)


async def test_lookup_with_wrong_inputs_then_contact_proves_ownership(running, home):
    sub, bills = home
    u = running.user(USER)
    replies = await u.send(t("menu.bills"))
    assert t("bills.ask_number") in text_of(replies)
    assert t("bills.errors.not_digits") in text_of(await u.send("abc123"))
    assert t("bills.errors.check_digit") in text_of(await u.send(wrong_check(sub.subscription_number)))
    assert t("bills.unknown") in text_of(await u.send(unknown_subscription_number()))
    electricity = BillId.build("123456789", service_type=2).digits
    assert t("bills.unknown_or_service", service=t("bills.services.electricity")) in text_of(
        await u.send(electricity))
    gas_short = BillId.build("1234", service_type=3).digits  # 6 digits: only a bill ID
    assert t("bills.errors.service_type", service=t("bills.services.gas")) in text_of(
        await u.send(gas_short))
    assert t("bills.errors.too_short") in text_of(await u.send("۱۲۳"))

    replies = await u.send(spaced_persian(sub.subscription_number))
    assert t("own.ask_phone_or_payment") in text_of(replies) and contact_button(replies)
    assert t("subs.verify.press_button") in text_of(await u.send(PHONE))
    replies = await u.share_contact(PHONE, user_id=STRANGER)
    assert t("subs.verify.not_own") in text_of(replies)
    assert await running.store.link(USER, sub.id) is None

    replies = await u.share_contact("+98" + PHONE[1:])
    text = text_of(replies)
    # issue 16, point 4: «proven» and «linked» with the main menu, then the bill: two messages
    assert [c.text.split("\n")[0] for c in replies[:1]] == [t("subs.verify.done")]
    assert len(replies) == 2 and replies[0].keyboard and replies[1].inline
    latest = bills[-1]
    assert render_bill(latest, sub, t("subs.default_nickname", city="تبریز",
                                      tail=fmt.digits(sub.subscription_number[-4:]))) in text
    assert fmt.digits(latest.bill_id) in text and fmt.digits(latest.payment_id) in text
    assert fmt.rials(latest.payable) in text and fmt.jalali_date(latest.due_date) in text
    data = [d for call in replies for row in call.inline for _, d in row]
    assert f"bill:how:{latest.id}" in data and f"bill:chart:{sub.id}" in data
    link = await running.store.link(USER, sub.id)
    assert link is not None and link.verified
    chat = await running.store.chat(USER)
    assert chat is not None and chat.phone == PHONE


async def test_bill_id_lookup_and_verified_phone_reused(running, home, store):
    sub, bills = home
    second = await seed_subscriber(store, city="maragheh", zone=None)
    await seed_bills(store, second, periods=2)
    u = running.user(USER)
    await u.send(t("menu.bills"))
    await u.send(fmt.digits(sub.bill_id))
    await u.share_contact(PHONE)
    await u.send(t("menu.bills"))
    replies = await u.send(second.subscription_number)
    assert t("own.ask_phone_or_payment") not in text_of(replies)
    assert t("bills.linked_note", nickname=f"مراغه {fmt.digits(second.subscription_number[-4:])}") \
        in text_of(replies)
    assert [link.subscriber.id for link in await store.links(USER)] == [sub.id, second.id]
    replies = await u.send(t("menu.bills"))
    assert replies[0].button(t("subs.default_nickname", city="مراغه",
                                 tail=fmt.digits(second.subscription_number[-4:]))) \
        == f"bill:show:{second.id}"
    replies = await u.press(f"bill:show:{sub.id}")
    assert fmt.digits(bills[-1].payment_id) in text_of(replies)


async def test_different_phone_shows_nothing(running, home, store):
    sub, bills = home
    u = running.user(USER)
    await u.send(t("menu.bills"))
    await u.send(sub.subscription_number)
    replies = await u.share_contact(OTHER_PHONE)
    text = text_of(replies)
    assert t("subs.verify.mismatch") in text
    assert fmt.digits(bills[-1].payment_id) not in text and fmt.rials(bills[-1].payable) not in text
    assert await store.link(USER, sub.id) is None
    assert (await store.chat(USER)).phone == OTHER_PHONE


async def test_no_phone_on_file(running, store):
    sub = await seed_subscriber(store, phone=None)
    u = running.user(USER)
    await u.send(t("menu.bills"))
    assert t("subs.verify.no_phone") in text_of(await u.send(sub.subscription_number))


async def test_cancel_in_the_middle_keeps_nothing(running, home, store):
    sub, _ = home
    u = running.user(USER)
    await u.send(t("menu.bills"))
    await u.send(sub.subscription_number)
    assert t("common.cancelled") in text_of(await u.send("/cancel"))
    replies = await u.share_contact(PHONE)
    assert t("subs.verify.done") not in text_of(replies)
    assert await store.link(USER, sub.id) is None
    assert "bills" not in running.app.user_data[USER]


async def test_restart_in_the_middle_resumes(running, home, store):
    sub, bills = home
    u = running.user(USER)
    await u.send(t("menu.bills"))
    assert t("bills.errors.check_digit") in text_of(await u.send(wrong_check(sub.subscription_number)))
    await running.restart()
    replies = await u.send(sub.subscription_number)
    assert t("own.ask_phone_or_payment") in text_of(replies)
    await running.restart()
    replies = await u.share_contact(PHONE)
    assert fmt.digits(bills[-1].payment_id) in text_of(replies)


async def verified(running, sub):
    """A user who proved ownership of `sub`."""
    u = running.user(USER)
    await u.send(t("menu.bills"))
    await u.send(sub.subscription_number)
    await u.share_contact(PHONE)
    return u


async def test_previous_bills_pages_and_view(running, home):
    sub, bills = home
    u = await verified(running, sub)
    replies = await u.tap(t("bills.button_previous"))
    items = [label for call in replies for row in call.inline for label, _ in row]
    assert items[0] == t("bills.previous_item", period=bills[-2].period, year=bills[-2].year,
                         amount=fmt.rials(bills[-2].payable))
    assert len(items) == 6 and items[-1] == t("bills.button_more")
    replies = await u.tap(t("bills.button_more"))
    replies = await u.tap(t("bills.button_more"))
    labels = [label for call in replies for row in call.inline for label, _ in row]
    assert labels == [t("bills.previous_item", period=bills[0].period, year=bills[0].year,
                        amount=fmt.rials(bills[0].payable))]
    replies = await u.tap(fmt.rials(bills[0].payable))
    assert t("bills.paid", date=fmt.jalali_date(bills[0].paid_at.date())) in text_of(replies)
    replies = await u.press(f"bill:prev:{bills[0].id}:0")
    assert t("bills.previous_none", nickname=t("subs.default_nickname", city="تبریز",
             tail=fmt.digits(sub.subscription_number[-4:]))) in text_of(replies)


async def test_how_it_was_computed(running, home, store):
    sub, bills = home
    u = await verified(running, sub)
    replies = await u.tap(t("bills.button_how"))
    text = text_of(replies)
    assert t("bills.how_matches", amount=fmt.rials(bills[-1].payable)) in text
    assert "آب‌بها =" in text and fmt.number(bills[-1].curr_reading) in text
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE bills SET total = total + 5000, payable = payable + 5000"
                           " WHERE id = ?", (bills[-1].id,))
    text = text_of(await u.press(f"bill:how:{bills[-1].id}"))
    assert t("bills.how_differs", computed=fmt.rials(bills[-1].payable),
             stored=fmt.rials(bills[-1].payable + 5000)) in text
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE bills SET usage = 'unknown' WHERE id = ?", (bills[-2].id,))
    assert t("bills.how_unavailable") in text_of(await u.press(f"bill:how:{bills[-2].id}"))


async def test_why_is_it_high_names_causes_and_next_steps(running, home):
    sub, bills = home
    u = await verified(running, sub)
    text = text_of(await u.tap(t("bills.button_why")))
    for key in ("why.causes.leak", "why.causes.overuse", "why.checks.leak",
                "why.next.faulty_meter", "why.next.wrong_reading"):
        assert t(key) in text, key
    assert t("why.normal") not in text
    text = text_of(await u.press(f"bill:why:{bills[3].id}"))
    assert t("why.normal") in text


async def test_chart_is_a_png_photo(running, home):
    sub, _ = home
    u = await verified(running, sub)
    replies = await u.tap(t("bills.button_chart"))
    photo = [c for c in replies if c.method == "sendPhoto"]
    assert len(photo) == 1 and photo[0].files
    assert photo[0].text == t("chart.caption", count=12, nickname=t(
        "subs.default_nickname", city="تبریز", tail=fmt.digits(sub.subscription_number[-4:])))


async def test_chart_adds_the_current_period_with_the_allowed_use_of_its_days(running, home):
    """Issue 13, point 8: after a self-reading the period under way is drawn, its allowed use
    counted for the same days as its use (not a whole period)."""
    sub, bills = home
    last = bills[-1]
    day = last.curr_reading_date + dt.timedelta(days=20)
    await running.store.add_reading(sub.id, day, last.curr_reading + 12, "self", chat_id=USER)
    u = await verified(running, sub)
    replies = await u.tap(t("bills.button_chart"))
    photo = next(c for c in replies if c.method == "sendPhoto")
    assert t("chart.caption_current", days=20, date=fmt.jalali_long(day)) in photo.text
    point = current_point(sub, last, await running.store.last_reading(sub.id), "x")
    assert point.current and point.use == 12
    assert point.allowed == Decimal(18) * 20 / 30  # Tabriz pattern 18 m³/month, 1 unit, 20 days


@pytest.mark.parametrize("data", ["bill:show:{sid}", "bill:view:{bid}", "bill:prev:{bid}:0",
                                  "bill:how:{bid}", "bill:why:{bid}", "bill:chart:{sid}"])
async def test_forged_buttons_show_nothing(running, home, data):
    sub, bills = home
    await verified(running, sub)
    stranger = running.user(STRANGER)
    replies = await stranger.press(data.format(sid=sub.id, bid=bills[-1].id))
    assert text_of(replies) == t("bills.not_available")
    assert all(c.method != "sendPhoto" for c in replies)


@pytest.mark.parametrize("edits,method", [(True, "editMessageText"), (False, "sendMessage")])
async def test_button_answers_edit_on_telegram_and_send_on_bale(running, home, edits, method):
    sub, bills = home
    u = await verified(running, sub)
    running.app.profile = dataclasses.replace(running.app.profile, edit_inline_messages=edits)
    replies = await u.press(f"bill:view:{bills[-3].id}")
    assert [c.method for c in replies] == [method]
    assert t("bills.header", nickname=t("subs.default_nickname", city="تبریز",
             tail=fmt.digits(sub.subscription_number[-4:])), period=bills[-3].period,
             year=bills[-3].year) in replies[0].text


async def test_no_stale_keyboard_is_left_when_the_bill_is_shown(running, home):
    """The number prompt keeps the main menu (not a cancel-only keyboard), so after the
    bill is shown from a button the user still has the menu, not a dead «انصراف»."""
    sub, _ = home
    u = running.user(USER)
    await u.send(t("menu.bills"))
    await u.send(sub.subscription_number)
    await u.share_contact(PHONE)
    replies = await u.send(t("menu.bills"))
    assert replies[-1].text == t("bills.ask_number")
    assert t("menu.bills") in [label for row in replies[-1].keyboard for label in row]
    assert t("common.button_cancel") not in str(replies[-1].keyboard)
