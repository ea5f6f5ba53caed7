"""Whoever holds the paper bill: the bank-style inquiry from the bill ID, the second
ownership proof (a recent payment ID), the owner's notice and removal, deep links and QR."""

from __future__ import annotations

import json

import pytest

from bot.billing.view import render_public
from bot.domain.identifiers import bill_barcode, parse_bill_id, parse_payment_id
from bot.runtime import deep_links
from bot.runtime.cli import main
from bot.runtime.settings import Platform
from bot.text import fmt
from bot.text.i18n import t
from bot.tools.simulator import text_of
from tests.billing_fixtures import seed_bills, seed_subscriber
from tests.payments_fixtures import outbox_of, owner

OWNER, TENANT, STRANGER = 9101, 9102, 9103


@pytest.fixture
async def home(store):
    """A subscription with six bills, all paid but the last."""
    sub = await seed_subscriber(store)
    return sub, await seed_bills(store, sub, periods=6, monthly_use=[14, 15, 16, 15, 14, 22])


async def test_tenant_sees_the_amount_and_proves_with_a_payment_id(running, home, store):
    sub, bills = home
    landlord = await owner(running, sub, OWNER)
    assert landlord is not None
    tenant = running.user(TENANT, "مستأجر")
    await tenant.send(t("menu.bills"))
    replies = await tenant.send(fmt.digits(bills[-1].bill_id))
    text = text_of(replies)
    latest = bills[-1]
    # what a bank's inquiry shows, and the pay button
    assert render_public(latest) in text
    for shown in (fmt.rials(latest.payable), fmt.jalali_date(latest.due_date),
                  t("inquiry.header", period=latest.period, year=latest.year),
                  t("bills.m3", value=fmt.digits(int(latest.consumption))), t("inquiry.unpaid")):
        assert shown in text
    assert replies[0].inline[0][0][1] == f"pay:{latest.bill_id}:{latest.payment_id}"
    # nothing personal: no subscription number, readings, name, address, history, chart
    for hidden in (fmt.digits(sub.subscription_number), fmt.digits(latest.curr_reading),
                   sub.name, sub.address, t("bills.button_chart"), t("bills.button_previous")):
        assert hidden not in text and hidden not in str([c.inline for c in replies])
    assert t("own.ask_phone_or_payment") in text
    assert await store.link(TENANT, sub.id) is None

    # a payment ID with a typo, then one of an older (fourth-last) bill: refused
    typo = latest.payment_id[:-1] + str((int(latest.payment_id[-1]) + 1) % 10)
    assert text_of(await tenant.send(fmt.digits(typo))) == t("own.bad_payment_id")
    assert text_of(await tenant.send(bills[-4].payment_id)) == t("own.payment_mismatch")
    assert t("subs.verify.press_button") in text_of(await tenant.send("سلام"))
    assert await store.link(TENANT, sub.id) is None

    # the payment ID of the second-last bill, in Persian digits with spaces: proven
    replies = await tenant.send(" ".join(fmt.digits(bills[-2].payment_id)))
    text = text_of(replies)
    assert t("own.done_bill") in text
    assert fmt.digits(sub.subscription_number) in text and fmt.digits(latest.curr_reading) in text
    link = await store.link(TENANT, sub.id)
    assert link.verified and link.proof == "bill"
    assert sorted(await store.verified_chats(sub.id)) == [OWNER, TENANT]

    # the owner's phone-proven chat is told, with a button that removes the link
    [notice] = await outbox_of(running, OWNER, "link_notice")
    assert fmt.digits(sub.subscription_number) in notice["text"]
    [[button]] = json.loads(notice["reply_markup"])["inline_keyboard"]
    assert button["callback_data"] == f"own:revoke:{sub.id}:{TENANT}"
    assert await outbox_of(running, TENANT, "link_notice") == []

    # nobody but the owner can use that button
    assert text_of(await running.user(STRANGER).press(button["callback_data"])) == t(
        "own.revoke_nothing")
    assert text_of(await tenant.press(button["callback_data"])) == t("own.revoke_nothing")
    replies = await landlord.press(button["callback_data"])
    assert replies[-1].button(t("own.button_revoke_yes")) == f"own:revokeok:{sub.id}:{TENANT}"
    await landlord.tap(t("own.button_revoke_yes"))
    assert await store.link(TENANT, sub.id) is None
    [removed] = await outbox_of(running, TENANT, "link_removed")
    assert fmt.digits(sub.subscription_number) in removed["text"]
    assert text_of(await tenant.press(f"bill:show:{sub.id}")) == t("bills.not_available")


async def test_bill_id_with_payment_id_or_barcode_shows_that_bill(running, home):
    _sub, bills = home
    older = bills[-3]
    tenant = running.user(TENANT)
    await tenant.send(t("menu.bills"))
    pasted = (f"شناسه قبض: {fmt.digits(older.bill_id)}\n"
              f"شناسه پرداخت: {fmt.digits(older.payment_id)}")
    replies = await tenant.send(pasted)
    assert render_public(older) in text_of(replies)
    assert t("bills.paid", date=fmt.jalali_date(older.paid_at.astimezone(fmt.TEHRAN).date())) \
        in text_of(replies)
    await tenant.send(t("menu.bills"))
    bill = parse_bill_id(older.bill_id)
    barcode = bill_barcode(bill, parse_payment_id(bills[-1].payment_id, bill))
    replies = await tenant.send(barcode)
    assert render_public(bills[-1]) in text_of(replies)
    # at the proof step, the same pair proves ownership
    replies = await tenant.send(f"{bills[-1].bill_id} {bills[-1].payment_id}")
    assert t("own.done_bill") in text_of(replies)


async def test_payment_id_proofs_are_throttled(running, home, settings):
    sub, bills = home
    tenant = running.user(TENANT)
    await tenant.send(t("menu.bills"))
    await tenant.send(sub.bill_id)
    answers = [text_of(await tenant.send(bills[0].payment_id))
               for _ in range(settings.lookups_per_minute + 1)]
    assert answers[:-1] == [t("own.payment_mismatch")] * settings.lookups_per_minute
    assert answers[-1].startswith(t("common.throttled", seconds=60)[:20])
    # even the right payment ID waits now
    replies = await tenant.send(bills[-1].payment_id)
    assert t("own.done_bill") not in text_of(replies)


async def test_subscription_added_with_a_payment_id(running, home, store):
    sub, bills = home
    tenant = running.user(TENANT)
    await tenant.send(t("menu.subscriptions"))
    await tenant.send(sub.subscription_number)
    replies = await tenant.send("منزل پدری")
    assert t("own.ask_phone_or_payment") in text_of(replies)
    replies = await tenant.send(bills[-3].payment_id)
    assert t("subs.list_item", nickname="منزل پدری", status=t("subs.verified_by_bill"),
             number=fmt.digits(sub.subscription_number)) in text_of(replies)
    assert (await store.link(TENANT, sub.id)).proof == "bill"


async def test_no_phone_on_file_can_still_be_proven_with_a_bill(running, store):
    sub = await seed_subscriber(store, phone=None)
    bills = await seed_bills(store, sub, periods=2)
    tenant = running.user(TENANT)
    await tenant.send(t("menu.bills"))
    replies = await tenant.send(sub.subscription_number)
    assert t("own.ask_payment_only") in text_of(replies)
    assert not (replies[-1].markup.get("keyboard"))
    assert t("own.done_bill") in text_of(await tenant.send(bills[-1].payment_id))


@pytest.mark.parametrize("by", ["bill_id", "subscription_number"])
async def test_deep_link_opens_the_inquiry(running, home, by):
    sub, bills = home
    payload = deep_links.payload_for(getattr(sub, by))
    stranger = running.user(STRANGER)
    replies = await stranger.send(f"/start {payload}")
    text = text_of(replies)
    assert t("own.ask_phone_or_payment") in text
    assert t("start.greeting", name="مشترک") not in text
    if by == "bill_id":
        assert render_public(bills[-1]) in text
    else:  # a subscription number alone shows nothing: not even the bill ID or amount
        assert fmt.digits(sub.bill_id) not in text and fmt.rials(bills[-1].payable) not in text
    # an owner who opens the link gets the full bill
    landlord = await owner(running, sub, OWNER)
    replies = await landlord.send(f"/start {payload}")
    assert fmt.digits(sub.subscription_number) in text_of(replies)
    # a link with one bill's IDs opens that bill
    one = deep_links.payload_for(bills[-2].bill_id, bills[-2].payment_id)
    assert render_public(bills[-2]) in text_of(await stranger.send(f"/start {one}"))


async def test_foreign_start_payload_greets(running):
    replies = await running.user(STRANGER).send("/start campaign-spring")
    assert t("start.greeting_anonymous") in text_of(replies)


def test_links_on_both_messengers():
    assert deep_links.link_for(Platform.TELEGRAM, "@abfa_bot", "1234") == \
        "https://t.me/abfa_bot?start=1234"
    assert deep_links.link_for(Platform.BALE, "abfa_bot", "1234") == \
        "https://ble.ir/abfa_bot?start=1234"
    with pytest.raises(deep_links.LinkError):
        deep_links.payload_for("12345")  # neither a subscription number nor a bill ID
    assert deep_links.number_of("8101000118_123440235") == "8101000118 123440235"
    assert deep_links.number_of("x; drop") is None


def test_qr_command_writes_a_png_of_the_link(tmp_path, monkeypatch, capsys, home_numbers):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    monkeypatch.setenv("ABFA_PLATFORM", "bale")
    monkeypatch.setenv("ABFA_BOT_USERNAME", "abfa_bot")
    out = tmp_path / "qr.png"
    assert main(["qr", fmt.digits(home_numbers), "--output", str(out)]) == 0
    link = f"https://ble.ir/abfa_bot?start={home_numbers}"
    assert capsys.readouterr().out.split("\t")[0] == link
    [decoded] = zxingcpp.read_barcodes(Image.open(out))
    assert decoded.text == link
    monkeypatch.delenv("ABFA_BOT_USERNAME")
    assert main(["qr", home_numbers]) == 2
    monkeypatch.setenv("ABFA_BOT_USERNAME", "abfa_bot")
    assert main(["qr", "12345"]) == 1


@pytest.fixture
def home_numbers() -> str:
    """A valid subscription number (no database needed)."""
    from bot.domain.identifiers import SubscriptionNumber

    return SubscriptionNumber.build("11", "0001", "00042").digits


async def test_inquire_is_the_entry_point_for_a_free_text_router(running, home, store):
    """A handler outside the bill lookup (as a free-text router would be) calls
    `bills.inquire`; the user is then at the proof step of the lookup itself."""
    from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

    from handlers import bills as bill_lookup
    from tests.billing_fixtures import PHONE

    async def router(update, ctx):
        await bill_lookup.inquire(update, ctx, update.effective_message.text)
        raise ApplicationHandlerStop

    sub, latest = home[0], home[1][-1]
    running.app.add_handler(MessageHandler(filters.Regex(r"^\d{6,}$"), router), group=-2)
    tenant = running.user(TENANT)
    replies = await tenant.send(latest.bill_id)
    assert render_public(latest) in text_of(replies)
    replies = await tenant.share_contact(PHONE)
    assert t("subs.verify.done") in text_of(replies)
    assert (await store.link(TENANT, sub.id)).proof == "phone"
