"""The one error handler: apologise in Persian, log the trace, leave nothing stuck."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import ApplicationHandlerStop

from bot.runtime.app import Ctx, update_summary
from bot.runtime.conversations import end_conversations
from bot.text.i18n import t
from bot.text.keyboards import main_menu

log = logging.getLogger(__name__)


async def on_error(update: object, ctx: Ctx) -> None:
    """Log the error with the update; tell the user; end their conversations.

    Raising ApplicationHandlerStop makes PTB skip the later handler groups, so the user
    gets the apology alone, not also the fallback's "not understood".
    """
    error = ctx.error
    log.error("error while handling %s", update_summary(update), exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    end_conversations(ctx.application, update, ctx.user_data)
    if isinstance(error, Forbidden):
        raise ApplicationHandlerStop
    try:
        await ctx.bot.send_message(update.effective_chat.id, t("errors.internal"),
                                   reply_markup=main_menu())
    except NetworkError:
        log.warning("could not send the apology for %s", update_summary(update))
    raise ApplicationHandlerStop
