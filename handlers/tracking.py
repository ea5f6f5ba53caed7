"""Tracking a request by its code: `/track CODE` or the «🔎 پیگیری درخواست» button.

The owner (the chat that submitted it) sees everything; anyone else with a valid code
sees only the current stage. Every lookup attempt counts against
`settings.lookups_per_minute` per user (bot/runtime/throttle.py; kept in the database).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.domain.identifiers import TrackingCodeError, parse_code
from bot.runtime.app import Ctx
from bot.runtime.throttle import lookup_wait
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from handlers.common import ensure_chat, message_text, reply
from handlers.request_steps import chat_and_user
from handlers.request_view import owner_view, public_view

NAME = "track"
CODE = 0


async def ask_code(update: Update, ctx: Ctx) -> int:
    """Ask for the tracking code (and offer the list of the user's own requests)."""
    await ensure_chat(update, ctx)
    await reply(update, t("track.ask_code"), inline([[(t("requests.button_list"), "req:list")]]))
    return CODE


async def track_command(update: Update, ctx: Ctx) -> int:
    """/track CODE looks the code up at once; /track alone asks for it."""
    if not ctx.args:
        return await ask_code(update, ctx)
    return await look_up(update, ctx, " ".join(ctx.args))


async def got_code(update: Update, ctx: Ctx) -> int:
    """A typed code: look it up."""
    return await look_up(update, ctx, message_text(update))


async def look_up(update: Update, ctx: Ctx, text: str) -> int:
    """Throttle, check the code, then show the owner's or the public view (also for a code
    pasted anywhere: handlers/understanding.py)."""
    chat_id, user_id = chat_and_user(update)
    wait = await lookup_wait(ctx.store, ctx.settings, "track", user_id or chat_id)
    if wait:
        await reply(update, t("common.throttled", seconds=wait))
        return CODE
    try:
        code = parse_code(text)
    except TrackingCodeError as err:
        await reply(update, _code_error(err))
        return CODE
    request = await ctx.store.request_by_code(code)
    if request is None:
        await reply(update, t("track.not_found"))
        return CODE
    if request.chat_id == chat_id:
        text, markup = await owner_view(ctx, request)
        await reply(update, text, markup)
        await reply(update, t("common.back_to_menu"), main_menu())
    else:
        await reply(update, public_view(request), main_menu())
    return ConversationHandler.END


def _code_error(err: TrackingCodeError) -> str:
    if err.code == "wrong_length":
        return t("track.wrong_length")
    if err.code == "check_digit":
        return t("track.check_digit")
    return t("track.not_digits")


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=[
                MessageHandler(button_filter("menu.track"), ask_code),
                CommandHandler("track", track_command),
            ],
            states={CODE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_code)]},
            fallbacks=[],
        ),
    ]
