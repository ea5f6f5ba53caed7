"""/start, /help, /menu, /cancel and the fallback through the real Application."""

from __future__ import annotations

from bot.text.i18n import t
from bot.text.keyboards import MENU_KEYS


async def test_start_greets_in_persian_with_the_main_menu(running):
    replies = await running.user(42, "علی").send("/start")
    assert replies[0].text.startswith("سلام علی")
    labels = [label for row in replies[0].keyboard for label in row]
    assert labels == [t(key) for key in MENU_KEYS]
    assert (await running.store.chat(42)) is not None


async def test_unknown_text_gets_a_way_forward(running):
    replies = await running.user(43).send("asdf")
    assert replies[0].text == t("understand.not_understood")
    assert replies[0].keyboard


async def test_anything_but_text_gets_a_way_forward(running):
    replies = await running.user(43).send_photo()
    assert replies[0].text == t("common.unknown_input")
    assert replies[0].keyboard


async def test_cancel_with_nothing_running(running):
    replies = await running.user(44).send("/cancel")
    assert replies[0].text == t("common.nothing_to_cancel")


async def test_help_shows_the_emergency_number(running):
    replies = await running.user(45).send("/help")
    assert "۱۲۲" in replies[0].text


async def test_forged_button_is_answered_not_ignored(running):
    replies = await running.user(46).press("op:close:1")
    assert replies[0].text == t("common.expired_button")


async def test_a_user_who_blocked_the_bot_and_returns_gets_messages_again(running):
    user = running.user(47)
    await user.send("/start")
    await running.store.set_chat_blocked(47, True)  # the notifier met "bot was blocked"
    await user.send("/start")
    assert not (await running.store.chat(47)).blocked


async def test_block_and_unblock_updates_are_followed(running):
    user = running.user(48)
    await user.send("/start")

    def member_update(old: str, new: str) -> dict:
        bot = {"id": 7000000001, "is_bot": True, "first_name": "آبفا"}
        return {"my_chat_member": {
            "chat": {"id": 48, "type": "private", "first_name": "م"}, "from": user.user,
            "date": 0, "old_chat_member": {"status": old, "user": bot, "until_date": 0},
            "new_chat_member": {"status": new, "user": bot, "until_date": 0}}}

    await user._feed(member_update("member", "kicked"))
    assert (await running.store.chat(48)).blocked
    await user._feed(member_update("kicked", "member"))
    assert not (await running.store.chat(48)).blocked
