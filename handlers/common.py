"""Helpers every handler module uses: replying, the menu, knowing the chat."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from bot.runtime.app import Ctx

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
MAX_TEXT = 500
# A row id in callback data: at most 18 digits, so below 2⁶³ and always a database integer
# (a longer one matches no pattern and gets the fallback's answer).
ID = "[0-9]{1,18}"


async def reply(update: Update, text: str, markup: Markup = None) -> None:
    """Send a new message to the chat of the update."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup)
    elif update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=markup)


async def show(update: Update, ctx: Ctx, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Answer a button press by editing its message (Telegram) or sending a new one (Bale)."""
    query = update.callback_query
    if query is None or not ctx.profile.edit_inline_messages:
        await reply(update, text, markup)
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest:
        await reply(update, text, markup)


async def answer_query(update: Update, text: str | None = None) -> None:
    """Acknowledge a button press so the client stops its spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer(text)


async def ensure_chat(update: Update, ctx: Ctx, refresh: bool = False) -> None:
    """Record the chat in the store (links and notifications refer to it).

    Done once per chat, or again with `refresh` (on /start: a user who had blocked the
    bot and comes back is unblocked).
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or (not refresh and (ctx.chat_data or {}).get("known")):
        return
    await ctx.store.upsert_chat(
        chat.id, user.id if user else None, user.first_name if user else None,
        user.username if user else None,
    )
    if ctx.chat_data is not None:
        ctx.chat_data["known"] = True


def message_text(update: Update) -> str:
    """The text of the incoming message, or empty."""
    message = update.effective_message
    return (message.text or "") if message else ""
