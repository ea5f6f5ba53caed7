"""What the bot says to anything no other handler took: never silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.runtime.app import Ctx
from bot.text.i18n import t
from bot.text.keyboards import main_menu
from handlers.common import answer_query, reply


async def unknown_message(update: Update, ctx: Ctx) -> None:
    """Explain that the input was not understood and show the menu."""
    await reply(update, t("common.unknown_input"), main_menu())


async def unknown_button(update: Update, ctx: Ctx) -> None:
    """A stale or forged button: say so, show the menu."""
    await answer_query(update)
    await reply(update, t("common.expired_button"), main_menu())


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, unknown_message),
        CallbackQueryHandler(unknown_button),
    ]
