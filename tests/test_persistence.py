"""State survives a restart of the Application (kill -9 included): user, chat and bot data
and the state of a named, persistent conversation."""

from __future__ import annotations

import asyncio
import pickle

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.runtime.app import Ctx, build_application
from bot.runtime.persistence import StorePersistence
from bot.text.i18n import t
from bot.tools.simulator import SimUser

ASK_NAME, ASK_CITY = range(2)


async def begin(update: Update, ctx: Ctx) -> int:
    """Start the probe conversation."""
    ctx.user_data["probe"] = {}
    await update.effective_message.reply_text("name?")
    return ASK_NAME


async def name(update: Update, ctx: Ctx) -> int:
    """Remember the name."""
    ctx.user_data["probe"]["name"] = update.effective_message.text
    ctx.chat_data["seen"] = ctx.chat_data.get("seen", 0) + 1
    ctx.bot_data["names"] = ctx.bot_data.get("names", 0) + 1
    await update.effective_message.reply_text("city?")
    return ASK_CITY


async def city(update: Update, ctx: Ctx) -> int:
    """Finish with everything remembered."""
    draft = ctx.user_data.pop("probe")
    await update.effective_message.reply_text(f"{draft['name']} from {update.effective_message.text}")
    return ConversationHandler.END


def probe() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("probe", begin)],
        states={ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)],
                ASK_CITY: [MessageHandler(filters.TEXT & ~filters.COMMAND, city)]},
        fallbacks=[], name="probe", persistent=True)


async def start_app(settings, store, api):
    app = build_application(settings, store, request=api)
    app.add_handler(probe(), group=-2)
    await app.initialize()
    return app


async def test_conversation_resumes_after_kill_9(settings, store, api):
    app = await start_app(settings, store, api)
    user = SimUser(app, api, 77)
    await user.send("/probe")
    await user.send("مریم")
    # kill -9: no shutdown, no final flush; a new process opens the same database
    await store.close()
    await store.open()
    app2 = await start_app(settings, store, api)
    assert app2.user_data[77]["probe"] == {"name": "مریم"}
    assert app2.chat_data[77]["seen"] == 1 and app2.bot_data["names"] == 1
    user.app = app2
    replies = await user.send("تبریز")
    assert replies[0].text == "مریم from تبریز"
    await app2.shutdown()


async def test_cancel_drops_the_draft_and_the_state_is_gone_after_restart(settings, store, api):
    app = await start_app(settings, store, api)
    user = SimUser(app, api, 78)
    await user.send("/probe")
    await user.send("رضا")
    await user.send("/cancel")
    await app.shutdown()
    app2 = await start_app(settings, store, api)
    assert "probe" not in app2.user_data.get(78, {})
    user.app = app2
    replies = await user.send("تبریز")  # no conversation any more: the fallback answers
    assert "from" not in replies[0].text
    await app2.shutdown()


# --- issue 10 item 3: state is written only at update boundaries -------------------------

def _update(app, user_id: int, text: str, update_id: int) -> Update:
    message = {"message_id": update_id, "date": 0, "text": text,
               "chat": {"id": user_id, "type": "private", "first_name": "م"},
               "from": {"id": user_id, "is_bot": False, "first_name": "م"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json({"update_id": update_id, "message": message}, app.bot)


async def _saved(store, user_id: int) -> tuple[object, object]:
    """What a restarted bot would load for this user: (user_data, probe state)."""
    persistence = StorePersistence(store)
    users = await persistence.get_user_data()
    states = await persistence.get_conversations("probe")
    return users.get(user_id), states.get((user_id, user_id))


async def test_another_chats_flush_never_writes_a_half_handled_update(settings, store, api):
    """Issue 10 item 3: PTB's task wrapper marks a user again after the update's own flush;
    the next flush of any chat then wrote that user's user_data mid-handler, so a kill left
    the conversation at one step and the draft at another."""
    entered, gate = asyncio.Event(), asyncio.Event()

    async def slow_name(update: Update, ctx: Ctx) -> int:
        ctx.user_data["probe"]["name"] = update.effective_message.text
        entered.set()
        await gate.wait()  # the handler is half-way: draft changed, state not yet
        await update.effective_message.reply_text("city?")
        return ASK_CITY

    conv = ConversationHandler(
        entry_points=[CommandHandler("probe", begin)],
        states={ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, slow_name)],
                ASK_CITY: [MessageHandler(filters.TEXT & ~filters.COMMAND, city)]},
        fallbacks=[], name="probe", persistent=True)
    app = build_application(settings, store, request=api)
    app.add_handler(conv, group=-2)
    await app.initialize()
    await app.start()  # updates go through PTB's update fetcher and task wrapper
    try:
        await app.update_queue.put(_update(app, 91, "/probe", 1))
        await app.update_queue.join()
        await asyncio.sleep(0.1)  # the task wrapper's own bookkeeping runs after the update
        assert await _saved(store, 91) == ({"probe": {}}, ASK_NAME)
        await app.update_queue.put(_update(app, 91, "مریم", 2))
        await asyncio.wait_for(entered.wait(), 10)
        await app.update_queue.put(_update(app, 92, "/start", 3))  # another chat: a flush
        for _ in range(100):
            if any(c.chat_id == 92 for c in api.sent()):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        # a kill now must find user 91 at the last boundary: no name, asking for it
        assert await _saved(store, 91) == ({"probe": {}}, ASK_NAME)
        gate.set()
        await app.update_queue.join()
        await asyncio.sleep(0.1)
        assert await _saved(store, 91) == ({"probe": {"name": "مریم"}}, ASK_CITY)
    finally:
        gate.set()
        await app.stop()
        await app.shutdown()


# --- issue 10 item 10: an unreadable row is set aside, the bot starts anyway -------------

async def test_a_corrupted_row_is_set_aside_and_its_user_starts_over(settings, store, api):
    app = await start_app(settings, store, api)
    for user_id in (93, 94, 95):
        user = SimUser(app, api, user_id)
        await user.send("/probe")
        await user.send("مریم")
    # kill -9, then rows damaged on disk: a user's data, another's conversation, a chat's data
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE ptb_user_data SET data=? WHERE user_id=93", (b"\x80\x05junk",))
        await conn.execute("UPDATE ptb_conversations SET state=? WHERE key=?",
                           (b"\x00", "[94, 94]"))
        await conn.execute("UPDATE ptb_chat_data SET data=? WHERE chat_id=95",
                           (pickle.dumps(["not", "a", "dict"]),))
    await store.close()
    await store.open()
    app2 = await start_app(settings, store, api)  # used to raise UnpicklingError
    assert 93 not in app2.user_data and app2.user_data[94] == {"probe": {"name": "مریم"}}
    kept = await store.db.fetchall("SELECT source, row_key, data, notified_at FROM ptb_quarantine"
                                   " ORDER BY id")
    assert [(r[0], r[1], bytes(r[2]), r[3]) for r in kept] == [
        ("ptb_user_data", "[93]", b"\x80\x05junk", None),
        ("ptb_chat_data", "[95]", pickle.dumps(["not", "a", "dict"]), None),
        ("ptb_conversations", '["probe", "[94, 94]"]', b"\x00", None)]
    for user_id in (93, 94, 95):  # each is told once to start over, and is at the menu
        user = SimUser(app2, api, user_id)
        replies = await user.send("تبریز")
        assert [r.text for r in replies] == [t("errors.state_lost")]
        assert replies[0].keyboard  # the main menu
        assert "probe" not in app2.user_data[user_id]
        replies = await user.send("/probe")
        assert replies[0].text == "name?"  # (the fallback answers too: the probe is no feature)
    assert all(r[0] for r in await store.db.fetchall("SELECT notified_at FROM ptb_quarantine"))
    await app2.shutdown()
    app3 = await start_app(settings, store, api)  # told once: not again after a restart
    replies = await SimUser(app3, api, 93).send("رضا")
    assert replies[0].text == "city?"
    await app3.shutdown()


async def test_an_untold_user_is_still_told_after_another_restart(settings, store, api):
    app = await start_app(settings, store, api)
    await SimUser(app, api, 96).send("/probe")
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE ptb_user_data SET data=? WHERE user_id=96", (b"\x00",))
    await app.shutdown()  # the clean shutdown writes nothing more for 96
    await start_app(settings, store, api)  # sets the row aside; 96 says nothing; restart
    app3 = await start_app(settings, store, api)
    replies = await SimUser(app3, api, 96).send("سلام")
    assert [r.text for r in replies] == [t("errors.state_lost")]
    await app3.shutdown()


async def test_users_with_nothing_in_progress_are_neither_stored_nor_loaded(settings, store,
                                                                             api):
    """Issue 16 item 5: an empty user_data is deleted, not stored; a row stored empty
    before is not loaded at start-up; a user with a draft still is."""
    empty = pickle.dumps({}, pickle.HIGHEST_PROTOCOL)  # as the bot stored it before
    await store.save_ptb_state([("user_data", (5150,), empty)])
    app = await start_app(settings, store, api)
    idle, busy = SimUser(app, api, 5151), SimUser(app, api, 5152)
    await idle.send("/probe")
    await idle.send("/cancel")  # its draft popped: nothing left
    await busy.send("/probe")
    await busy.send("نرگس")
    await app.shutdown()
    assert [key for key, _ in await store.ptb_rows("user_data")] == [5150, 5152]
    loaded = await StorePersistence(store).get_user_data()
    assert sorted(loaded) == [5152] and loaded[5152]["probe"] == {"name": "نرگس"}
