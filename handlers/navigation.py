"""Commands that work at every step: /start, /help, /menu, /cancel, and the menu buttons.

Registered in group -1, before every conversation: they end any active conversation
(dropping its draft) so nothing is left half-done, then stop further handling, except
for a menu button, which ends the old flow and lets the new one start in group 0.
A menu button keeps a parked service-request draft for coming back; /cancel drops it.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.runtime.app import Ctx
from bot.runtime.conversations import end_conversations
from bot.services.drafts import discard_parked
from bot.text.i18n import t
from bot.text.keyboards import button_filter, main_menu, menu_buttons
from handlers.common import ensure_chat, reply

log = logging.getLogger(__name__)


async def start(update: Update, ctx: Ctx) -> None:
    """Greet the user and show the main menu. `/start <payload>` (a link or the QR code of
    a paper bill, bot/runtime/deep_links.py) ends the old flow and lets the bill inquiry answer."""
    end_conversations(ctx.application, update, ctx.user_data)
    await ensure_chat(update, ctx, refresh=True)
    if ctx.args:
        return
    user = update.effective_user
    text = t("start.greeting", name=user.first_name) if user and user.first_name else t(
        "start.greeting_anonymous"
    )
    await reply(update, text, main_menu())
    raise ApplicationHandlerStop


async def help_command(update: Update, ctx: Ctx) -> None:
    """Show the help text; an active conversation stays where it was."""
    await reply(update, t("help.text", emergency=ctx.settings.emergency_phone))
    raise ApplicationHandlerStop


async def menu(update: Update, ctx: Ctx) -> None:
    """Leave whatever flow the user is in and show the main menu."""
    end_conversations(ctx.application, update, ctx.user_data)
    await reply(update, t("common.back_to_menu"), main_menu())
    raise ApplicationHandlerStop


async def cancel(update: Update, ctx: Ctx) -> None:
    """Cancel the active flow, keeping nothing of it."""
    ended = end_conversations(ctx.application, update, ctx.user_data)
    parked = discard_parked(ctx.user_data)
    text = t("common.cancelled") if ended or parked else t("common.nothing_to_cancel")
    await reply(update, text, main_menu())
    raise ApplicationHandlerStop


async def membership(update: Update, ctx: Ctx) -> None:
    """The user blocked or unblocked the bot (Telegram tells us): stop or resume messages."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    left = change.new_chat_member.status in {ChatMember.BANNED, ChatMember.LEFT}
    if left:
        await ctx.store.set_chat_blocked(change.chat.id, True)
    else:
        await ensure_chat(update, ctx, refresh=True)
    raise ApplicationHandlerStop


async def chat_migrated(update: Update, ctx: Ctx) -> None:
    """A group the bot is in became a supergroup (Telegram says so in both chats): its
    messages go to the new id from now on, and its chat data moves with it."""
    message = update.effective_message
    if message is None:
        return
    old = message.migrate_from_chat_id or message.chat.id
    new = message.migrate_to_chat_id or message.chat.id
    await ctx.store.migrate_chat(old, new)
    if message.migrate_to_chat_id:  # only once: the other service message would empty it
        ctx.application.migrate_chat_data(message=message)
    log.warning("chat %s became the supergroup %s: its messages go there from now on "
                "(change any setting that names %s, e.g. ABFA_OPERATORS_CHAT)", old, new, old)
    raise ApplicationHandlerStop


async def switch_flow(update: Update, ctx: Ctx) -> None:
    """A main-menu button: end the old flow; group 0 starts the new one."""
    end_conversations(ctx.application, update, ctx.user_data)


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated),
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("menu", menu),
        CommandHandler("cancel", cancel),
        MessageHandler(button_filter("common.button_cancel"), cancel),
        MessageHandler(button_filter("common.button_menu"), menu),
        MessageHandler(button_filter("menu.help"), help_command),
        MessageHandler(menu_buttons(), switch_flow),
    ]
