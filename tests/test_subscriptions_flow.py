"""«My subscriptions»: link with a nickname after proving ownership, list, unlink."""

from __future__ import annotations

from bot.text import fmt
from bot.text.i18n import items, t
from bot.tools.simulator import text_of
from tests.billing_fixtures import (
    OTHER_PHONE,
    PHONE,
    seed_bills,
    seed_subscriber,
    unknown_subscription_number,
)

USER, STRANGER = 6001, 6002


async def test_add_with_wrong_inputs_restart_and_contact(running, store):
    home = await seed_subscriber(store)
    u = running.user(USER)
    replies = await u.send(t("menu.subscriptions"))
    assert t("subs.empty") in text_of(replies) and t("subs.ask_number") in text_of(replies)
    assert t("bills.errors.not_digits") in text_of(await u.send("خانه"))
    wrong = home.subscription_number[:-1] + str((int(home.subscription_number[-1]) + 1) % 10)
    assert t("bills.errors.check_digit") in text_of(await u.send(wrong))
    replies = await u.send(fmt.digits(home.subscription_number))
    assert t("subs.ask_nickname") in text_of(replies)
    assert replies[-1].keyboard[0] == list(items("subs.nickname_suggestions"))[:2]
    assert t("subs.bad_nickname", limit=30) in text_of(await u.send("۱۲۳۴"))
    assert t("subs.bad_nickname", limit=30) in text_of(await u.send("خ" * 31))
    await running.restart()
    replies = await u.send("خانه  پدری")
    assert t("subs.verify.ask") in text_of(replies)
    assert await store.link(USER, home.id) is None
    await running.restart()
    assert t("subs.verify.press_button") in text_of(await u.send("09121234567"))
    assert t("subs.verify.not_own") in text_of(await u.share_contact(PHONE, user_id=STRANGER))
    replies = await u.share_contact(PHONE)
    text = text_of(replies)
    assert t("subs.added", nickname="خانه پدری") in text
    assert t("subs.list_item", nickname="خانه پدری", status=t("subs.verified"),
             number=fmt.digits(home.subscription_number)) in text
    link = await store.link(USER, home.id)
    assert link is not None and link.verified and link.nickname == "خانه پدری"
    assert await store.verified_chats(home.id) == [USER]
    assert "subs" not in running.app.user_data[USER]


async def test_second_subscription_with_same_phone_needs_no_contact(running, store):
    home = await seed_subscriber(store)
    shop = await seed_subscriber(store, usage="commercial", contract_capacity=10, zone=None,
                                 city="marand")
    await seed_bills(store, shop, periods=2)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    await u.send(home.bill_id)
    await u.send(items("subs.nickname_suggestions")[0])
    await u.share_contact(PHONE)
    replies = await u.send(t("subs.button_add"))
    assert t("subs.ask_number") in text_of(replies)
    await u.send(shop.subscription_number)
    replies = await u.send(items("subs.nickname_suggestions")[1])
    assert t("subs.verify.ask") not in text_of(replies)
    assert t("subs.added", nickname=items("subs.nickname_suggestions")[1]) in text_of(replies)
    assert [(link.nickname, link.verified) for link in await store.links(USER)] == [
        (items("subs.nickname_suggestions")[0], True), (items("subs.nickname_suggestions")[1], True)]
    replies = await u.send(t("menu.subscriptions"))
    replies = await u.tap(items("subs.nickname_suggestions")[1])
    assert t("bills.header", nickname=items("subs.nickname_suggestions")[1], period=2,
             year=1404) in text_of(replies)
    replies = await u.send(t("subs.button_add"))
    await u.send(shop.subscription_number)
    assert t("subs.already_linked", nickname=items("subs.nickname_suggestions")[1]) in text_of(
        u.replies)


async def test_different_phone_links_nothing(running, store):
    home = await seed_subscriber(store)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    await u.send(home.subscription_number)
    await u.send("مغازه")
    replies = await u.share_contact(OTHER_PHONE)
    assert t("subs.verify.mismatch") in text_of(replies)
    assert await store.links(USER) == []
    assert (await store.chat(USER)).phone == OTHER_PHONE


async def test_cancel_at_nickname_keeps_nothing(running, store):
    home = await seed_subscriber(store)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    await u.send(home.subscription_number)
    assert running.app.user_data[USER]["subs"] == {"subscriber_id": home.id}
    assert t("common.cancelled") in text_of(await u.send(t("common.button_cancel")))
    assert "subs" not in running.app.user_data[USER]
    replies = await u.send("خانه")
    assert t("subs.verify.ask") not in text_of(replies)
    assert await store.links(USER) == []


async def test_unknown_number_stays_in_step(running, store):
    await seed_subscriber(store)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    assert t("bills.unknown") in text_of(await u.send(unknown_subscription_number()))
    assert t("bills.errors.not_digits") in text_of(await u.send("abc"))
    assert t("bills.errors.too_long") in text_of(await u.send("1" * 16))
    assert running.app.user_data[USER]["subs"] == {}


async def test_unlink_with_confirmation(running, store):
    home = await seed_subscriber(store)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    await u.send(home.subscription_number)
    await u.send("خانه")
    await u.share_contact(PHONE)
    replies = await u.tap(t("subs.button_remove", nickname="خانه"))
    assert t("subs.confirm_remove", nickname="خانه") in text_of(replies)
    replies = await u.tap(t("subs.button_keep"))
    assert await store.link(USER, home.id) is not None
    replies = await u.press(f"subs:del:{home.id}")
    replies = await u.tap(t("subs.button_confirm_remove"))
    assert t("subs.removed", nickname="خانه") in text_of(replies)
    assert t("subs.empty") in text_of(replies)
    assert await store.link(USER, home.id) is None
    assert t("subs.not_linked") in text_of(await u.press(f"subs:delok:{home.id}"))
    assert t("bills.not_available") in text_of(await u.press(f"bill:show:{home.id}"))


async def test_forged_unlink_of_someone_elses_link(running, store):
    home = await seed_subscriber(store)
    u = running.user(USER)
    await u.send(t("menu.subscriptions"))
    await u.send(home.subscription_number)
    await u.send("خانه")
    await u.share_contact(PHONE)
    stranger = running.user(STRANGER)
    assert t("subs.not_linked") in text_of(await stranger.press(f"subs:del:{home.id}"))
    assert t("subs.not_linked") in text_of(await stranger.press(f"subs:delok:{home.id}"))
    assert await store.link(USER, home.id) is not None
