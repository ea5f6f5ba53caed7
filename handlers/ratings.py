"""Satisfaction after a request closes: 1-5 stars, then an optional comment.

The closing notice carries five buttons `rate:<request>:<stars>` (bot/notify/notices.py),
so the applicant is asked once. A press stores the stars with the request, once, and only
for this chat's closed request (a forged or repeated press changes nothing); then an
optional comment is asked (conversation `rating`, draft `user_data["rating"]`), which can
be skipped. `python -m bot ops stats` reports the average per service.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.runtime.app import Ctx
from bot.text.i18n import t
from bot.text.keyboards import choices, main_menu
from handlers.common import ID, answer_query, message_text, reply

NAME = "rating"
COMMENT = 0
MAX_COMMENT = 500


async def rate(update: Update, ctx: Ctx) -> int:
    """`rate:<request>:<stars>`: keep the stars, ask for a comment."""
    await answer_query(update)
    _, request_text, stars_text = update.callback_query.data.split(":")
    request_id, stars = int(request_text), int(stars_text)
    chat_id = update.effective_chat.id
    if not await ctx.store.rate_request(request_id, chat_id, stars):
        request = await ctx.store.request(request_id)
        mine = request is not None and request.chat_id == chat_id and request.status == "closed"
        await reply(update, t("rate.already") if mine and request.rating else t("rate.not_yours"),
                    main_menu())
        return ConversationHandler.END
    ctx.user_data[NAME] = {"request_id": request_id}
    await reply(update, t("rate.ask_comment", stars=stars),
                choices([t("common.button_skip")], columns=1))
    return COMMENT


async def got_comment(update: Update, ctx: Ctx) -> int:
    """The comment (or a skip): store it and thank the user."""
    draft = ctx.user_data.pop(NAME, None) or {}
    text = " ".join(message_text(update).split())
    if len(text) > MAX_COMMENT:
        ctx.user_data[NAME] = draft
        await reply(update, t("common.too_long", limit=MAX_COMMENT))
        return COMMENT
    if text != t("common.button_skip") and draft.get("request_id"):
        await ctx.store.comment_rating(int(draft["request_id"]), update.effective_chat.id, text)
    await reply(update, t("rate.thanks"), main_menu())
    return ConversationHandler.END


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME,
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(rate, pattern=rf"^rate:{ID}:[1-5]$")],
            states={COMMENT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_comment)]},
            fallbacks=[],
        ),
    ]
