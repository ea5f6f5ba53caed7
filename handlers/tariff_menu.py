"""The «📊 تعرفه و مصرف» menu, and what its flows share: starting one, stale buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.runtime.app import Ctx
from bot.runtime.conversations import end_conversations
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline
from handlers.common import answer_query, reply, show

MENU = "tm:menu"


def menu_markup() -> InlineKeyboardMarkup:
    """The sub-menu: calculators (a use, a branch), pattern, self-reading, reading the
    meter, other topics."""
    return inline([
        [(t("tariffs_menu.calculator"), "calc:start")],
        [(t("tariffs_menu.branch_fee"), "bf:start")],
        [(t("info.titles.pattern"), "info:t:pattern")],
        [(t("tariffs_menu.self_reading"), "sr:start")],
        [(t("info.titles.read_meter"), "info:t:read_meter")],
        [(t("tariffs_menu.topics"), "info:list")],
    ])


def back_row() -> list[tuple[str, str]]:
    """A row with the button back to this menu."""
    return [(t("tariffs_menu.button_back"), MENU)]


async def begin(update: Update, ctx: Ctx) -> None:
    """Start a flow from a button or command: acknowledge it and end any other flow."""
    await answer_query(update)
    end_conversations(ctx.application, update, ctx.user_data)


async def stale_step(update: Update, ctx: Ctx) -> None:
    """A button of another step of the active flow: say so; the flow stays where it is."""
    await answer_query(update)
    await reply(update, t("tariffs_menu.stale_step"))


async def show_menu(update: Update, ctx: Ctx) -> None:
    """Show the «📊 تعرفه و مصرف» sub-menu, leaving any flow the user was in."""
    await begin(update, ctx)
    await show(update, ctx, t("tariffs_menu.prompt"), menu_markup())


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        MessageHandler(button_filter("menu.tariffs"), show_menu),
        CommandHandler("tariffs", show_menu),
        CallbackQueryHandler(show_menu, pattern=f"^{MENU}$"),
    ]
