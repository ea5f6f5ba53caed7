"""What the bot does before any feature sees an update: private chats only, no edits.

Registered first (group -3, before everything else):

* An edited message is never taken as the answer to the current step: in a private chat
  the bot says edits are not read (send the answer again), in a group it stays silent.
* Personal data never goes into a group. In a group, channel or supergroup the bot
  answers a command, a reply to it, a mention or a button press only with a pointer to
  the private chat (a link button), and nothing else runs: no lookup, no proof, no
  conversation, no draft. So every proof of ownership is made in the user's own private
  chat (whose id is the user's id) and covers no one else; and Telegram's shared sender
  ids (1087968824, anonymous group admins; 136817688, posts as a channel), which appear
  only in groups, never get a `user_data`, a conversation or a throttle bucket of their
  own to share across groups. Group chatter not addressed to the bot gets no answer.
* An operator who presses «review» on an alert in the operators' group gets the
  request's file (documents, location, card) in their private chat, never in the group;
  if they have not started the bot privately yet, the group gets the pointer.
"""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop, MessageHandler, TypeHandler, filters

from bot.runtime.app import Ctx
from bot.text.i18n import t
from bot.text.keyboards import link_button
from handlers import operators
from handlers.common import ID, answer_query, reply

REVIEW = rf"op:open:({ID})"


def private_link(ctx: Ctx) -> str:
    """The link that opens the private chat with the bot (Telegram or Bale)."""
    return f"{ctx.profile.chat_link}{ctx.bot.username}"


async def edited(update: Update, ctx: Ctx) -> None:
    """An edited message: not an answer to anything (said so in a private chat)."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await reply(update, t("guard.edits_ignored"))
    raise ApplicationHandlerStop


def _addressed(message: Message | None, ctx: Ctx) -> bool:
    """Whether a group message is meant for the bot: a command, a reply to it, a mention."""
    if message is None:
        return False
    text = message.text or message.caption or ""
    replied = message.reply_to_message
    return (text.startswith("/") or f"@{ctx.bot.username}".lower() in text.lower()
            or bool(replied and replied.from_user and replied.from_user.id == ctx.bot.id))


async def private_only(update: Update, ctx: Ctx) -> None:
    """Outside a private chat: a pointer to the private chat, or silence; never a feature."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return  # private chats (and updates without a chat) go on to the features
    if update.channel_post or update.edited_channel_post:
        raise ApplicationHandlerStop
    message = update.message
    if (message is None and update.callback_query is None) or (
            message is not None and filters.StatusUpdate.ALL.check_update(update)):
        return  # membership changes, a group becoming a supergroup: no one to answer
    if update.callback_query is not None:
        if await _review_privately(update, ctx):
            raise ApplicationHandlerStop
        await answer_query(update, t("guard.private_only_short"))
    elif not _addressed(message, ctx):
        raise ApplicationHandlerStop
    await ctx.bot.send_message(chat.id, t("guard.private_only"),
                               reply_markup=link_button(t("guard.button_private"),
                                                        private_link(ctx)))
    raise ApplicationHandlerStop


async def _review_privately(update: Update, ctx: Ctx) -> bool:
    """An operator's «review» in a group: the file goes to their private chat. True when
    it went there (the press is answered); False for anything else, or when the operator
    has not started the bot privately yet (then the group gets the pointer)."""
    query, user = update.callback_query, update.effective_user
    match = re.fullmatch(REVIEW, query.data or "") if query else None
    if match is None or user is None or not ctx.settings.is_operator(user.id):
        return False
    try:
        sent = await operators.send_file(ctx, user.id, match.group(1))
    except (Forbidden, BadRequest):
        return False
    await answer_query(update, t("guard.operator_sent") if sent else t("ops.error_not_found"))
    return True


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        MessageHandler(filters.UpdateType.EDITED, edited),
        TypeHandler(Update, private_only),
    ]
