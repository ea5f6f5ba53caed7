"""Paying in the chat through the real Application: Bale's native invoice end to end, the
payment page link, and the IDs for any bank."""

from __future__ import annotations

import json

from bot.store.payments import Payable
from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import ApiCall, text_of
from tests.billing_fixtures import seed_bills, seed_subscriber
from tests.payments_fixtures import (
    APPLICANT,
    CARD,
    outbox_of,
    owner,
    request_at_invoice,
    running_with,
)

OWNER, OTHER = 8101, 8102


def as_json(value):
    """A parameter as the Bot API got it (a JSON string or already a list)."""
    return json.loads(value) if isinstance(value, str) else value


def invoices(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method == "sendInvoice"]


async def test_bale_invoice_paid_end_to_end_once(running, store):
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=4)
    latest = bills[-1]
    async with running_with(running, platform="bale", pay_provider_token=CARD) as bale:
        user = await owner(bale, sub, OWNER)
        replies = await user.press(f"bill:view:{latest.id}")
        pay = replies[-1].inline[0][0]
        assert pay == (t("pay.button", amount=fmt.rials(latest.payable)),
                       f"pay:{latest.bill_id}:{latest.payment_id}")
        [invoice] = invoices(await user.press(pay[1]))
        prices = as_json(invoice.params["prices"])
        assert prices == [{"label": t("pay.price_bill"), "amount": latest.payable}]
        assert invoice.params["provider_token"] == CARD
        assert invoice.params["payload"] == f"{latest.bill_id}:{latest.payment_id}"
        assert len(invoice.params["title"]) <= 32 and fmt.digits(latest.bill_id) in invoice.text

        # a wrong amount is refused before Bale charges anything
        refused = await user.pre_checkout(invoice.params["payload"], latest.payable - 1000)
        assert refused.params["ok"] is False
        assert refused.text == t("pay.amount_changed", amount=fmt.rials(latest.payable))
        ok = await user.pre_checkout(invoice.params["payload"], latest.payable)
        assert ok.params["ok"] is True

        replies = await user.successful_payment(invoice.params["payload"], latest.payable,
                                                "ch-777")
        assert text_of(replies) == t("pay.done", reference=fmt.digits("ch-777"))
        paid = await store.bill(latest.id)
        assert paid.payment_ref == "ch-777" and paid.paid_at is not None
        receipts = await outbox_of(bale, OWNER, "receipt")
        assert len(receipts) == 1 and fmt.digits("ch-777") in receipts[0]["text"]
        assert fmt.rials(latest.payable) in receipts[0]["text"]

        # Bale sends the same successful payment again: recorded once, nothing said
        assert await user.successful_payment(invoice.params["payload"], latest.payable,
                                             "ch-777") == []
        assert len(await store.payments_of(bill_row_id=latest.id)) == 1
        assert len(await outbox_of(bale, OWNER, "receipt")) == 1

        # a paid bill: the pre-checkout is refused, the bill says paid with its reference
        again = await user.pre_checkout(invoice.params["payload"], latest.payable)
        assert again.params["ok"] is False and fmt.digits("ch-777") in again.text
        replies = await user.press(f"bill:view:{latest.id}")
        assert t("bills.paid_ref", date=fmt.jalali_date(paid.paid_at.astimezone(
            fmt.TEHRAN).date()), reference=fmt.digits("ch-777")) in replies[-1].text
        assert not any(d.startswith("pay:") for row in replies[-1].inline for _, d in row)


async def test_a_payment_after_another_channel_paid_is_recorded_not_marked(running, store):
    """The money is taken; the user is told the bill was paid meanwhile (refund/credit)."""
    sub = await seed_subscriber(store)
    latest = (await seed_bills(store, sub, periods=2))[-1]
    async with running_with(running, platform="bale", pay_provider_token=CARD) as bale:
        user = bale.user(OTHER)
        payload = f"{latest.bill_id}:{latest.payment_id}"
        assert (await user.pre_checkout(payload, latest.payable)).params["ok"] is True
        await user.successful_payment(payload, latest.payable, "first")
        replies = await bale.user(OWNER).successful_payment(payload, latest.payable, "second")
        assert text_of(replies) == t("pay.problem_already_paid")
        assert (await store.bill(latest.id)).payment_ref == "first"
        assert [p["reference"] for p in await store.payments_of(bill_row_id=latest.id)] == [
            "first", "second"]


async def test_bale_request_invoice_paid_moves_the_request_on(running, store):
    async with running_with(running, platform="bale", pay_provider_token=CARD) as bale:
        request = await request_at_invoice(bale)
        assert request.invoice_bill_id and request.invoice_payment_id
        notice = (await outbox_of(bale, APPLICANT, "invoice"))[-1]
        assert fmt.digits(request.invoice_bill_id) in notice["text"]
        assert fmt.digits(request.invoice_payment_id) in notice["text"]
        rows = json.loads(notice["reply_markup"])["inline_keyboard"]
        data = rows[-1][0]["callback_data"]
        assert data == f"pay:{request.invoice_bill_id}:{request.invoice_payment_id}"
        applicant = bale.user(APPLICANT)
        [invoice] = invoices(await applicant.press(data))
        assert as_json(invoice.params["prices"])[0]["amount"] == 3_400_000
        replies = await applicant.pay_invoice(invoice, "ch-req-1")
        assert t("pay.done", reference=fmt.digits("ch-req-1")) in text_of(replies)
        moved = await store.request(request.id)
        assert moved.stage == "delivery" and moved.invoice_paid_ref == "ch-req-1"
        kinds = [r["kind"] for r in await outbox_of(bale, APPLICANT)]
        assert kinds[-2:] == ["paid", "stage"]
        history = await store.request_stages(request.id)
        assert (history[-1].stage, history[-1].actor) == ("delivery", "payment:bale")
        # the request view shows the invoice as paid, with no pay button
        replies = await applicant.press(f"req:show:{request.id}")
        assert fmt.digits("ch-req-1") in replies[-1].text
        assert not any(d.startswith("pay:") for row in replies[-1].inline for _, d in row)
        # a re-issued invoice has new IDs; the old ones no longer pay anything
        payload = invoice.params["payload"]
        assert (await applicant.pre_checkout(payload, 3_400_000)).params["ok"] is False


async def test_payment_page_link_on_telegram(running, store):
    template = "https://pay.abfa.example/bill?b={bill_id}&p={payment_id}&a={amount}"
    sub = await seed_subscriber(store)
    latest = (await seed_bills(store, sub, periods=2))[-1]
    async with running_with(running, pay_url=template, pay_provider_token=CARD) as env:
        user = await owner(env, sub, OWNER)
        replies = await user.press(f"bill:view:{latest.id}")
        label, url = replies[-1].inline[0][0]
        assert label == t("pay.button", amount=fmt.rials(latest.payable))
        assert url == (f"https://pay.abfa.example/bill?b={latest.bill_id}"
                       f"&p={latest.payment_id}&a={latest.payable}")
        # a pay button pressed in a notice answers with the same link
        request = await request_at_invoice(env)
        replies = await env.user(APPLICANT).press(
            f"pay:{request.invoice_bill_id}:{request.invoice_payment_id}")
        assert replies[-1].inline[0][0][1] == (
            f"https://pay.abfa.example/bill?b={request.invoice_bill_id}"
            f"&p={request.invoice_payment_id}&a=3400000")
        assert not invoices(env.api.calls)


async def test_bale_without_a_token_uses_the_page_and_neither_shows_the_ids(running, store):
    sub = await seed_subscriber(store)
    latest = (await seed_bills(store, sub, periods=2))[-1]
    async with running_with(running, platform="bale",
                            pay_url="https://pay.example/{bill_id}/{payment_id}") as env:
        replies = await (await owner(env, sub, OWNER)).press(f"bill:view:{latest.id}")
        assert replies[-1].inline[0][0][1] == (
            f"https://pay.example/{latest.bill_id}/{latest.payment_id}")
    await running.start()
    user = running.user(OTHER)
    replies = await user.press(f"pay:{latest.bill_id}:{latest.payment_id}")
    [message] = replies
    assert message.params.get("entities"), "the IDs are monospace"
    shown = [_entity_text(message.text, e) for e in as_json(message.params["entities"])]
    assert shown == [fmt.digits(latest.bill_id), fmt.digits(latest.payment_id)]
    assert all(e["type"] == "code" for e in as_json(message.params["entities"]))
    assert message.inline == [[(t("pay.copy_bill_id"), latest.bill_id),
                               (t("pay.copy_payment_id"), latest.payment_id)]]
    assert fmt.rials(latest.payable) in message.text


def _entity_text(text: str, entity: dict) -> str:
    raw = text.encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return raw[start:start + length].decode("utf-16-le")


async def test_pay_buttons_for_unknown_or_superseded_bills(running, store):
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=3)
    user = running.user(OTHER)
    replies = await user.press(f"pay:{bills[-1].bill_id}:1234567")
    assert text_of(replies) == t("pay.unknown")
    # the last bill carries the earlier one's amount as its debt: pay the newer one
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE bills SET paid_at = NULL WHERE id = ?", (bills[-2].id,))
        await conn.execute("UPDATE bills SET previous_balance = 1000 WHERE id = ?",
                           (bills[-1].id,))
    found = await store.payable(bills[-2].bill_id, bills[-2].payment_id)
    assert isinstance(found, Payable) and found.superseded
    replies = await user.press(f"pay:{bills[-2].bill_id}:{bills[-2].payment_id}")
    assert text_of(replies) == t("pay.superseded")


def test_payment_settings_are_checked_and_the_token_never_shown():
    import pytest

    from bot.runtime.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match=r"ABFA_PAY_URL: .*unknown placeholders \['user'\]"):
        load_settings(pay_url="https://pay.example/{user}")
    with pytest.raises(SettingsError, match="ABFA_PAY_URL"):
        load_settings(pay_url="pay.example/{bill_id}")
    with pytest.raises(SettingsError) as caught:
        load_settings(pay_provider_token=CARD, reminder_days=-1)
    assert CARD not in str(caught.value)
    settings = load_settings(pay_provider_token=f" {CARD} ", bot_username="@abfa_bot")
    assert settings.provider_token == CARD and settings.bot_username == "abfa_bot"
    assert load_settings(pay_provider_token="  ").provider_token is None
