"""State survives a restart of the Application (kill -9 included): user, chat and bot data
and the state of a named, persistent conversation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.app import Ctx, build_application
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
