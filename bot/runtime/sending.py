"""The one door every Bot API call goes through: Telegram's size limits hold by construction.

`LimitedBot` is the bot of the application, of the notifier and of the ops CLI. Before a
call leaves, a text longer than the Bot API accepts (4,096 for a message, 1,024 for a
caption, 200 for a button's answer) is cut, with «…» at the end, so the user gets a
shortened message instead of an error; and inline buttons whose callback data is over 64
bytes are a programming error, raised before anything is sent. Lengths are counted in
UTF-16 code units, as Telegram counts them (an emoji is two). Handlers still cut what
they echo of the user's own text (bot.text.fmt.echo) so the rest of a reply survives.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import ExtBot

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ANSWER_LIMIT = 200  # answerCallbackQuery text
CALLBACK_DATA_BYTES = 64
ELLIPSIS = "…"


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The text, or its start with «…» so that the whole is at most `limit` code units."""
    if utf16_length(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + ELLIPSIS


def check_callback_data(markup: object) -> None:
    """ValueError when an inline button's callback data is longer than Telegram accepts."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return
    for row in markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            if isinstance(data, str) and len(data.encode()) > CALLBACK_DATA_BYTES:
                raise ValueError(f"callback data over {CALLBACK_DATA_BYTES} bytes: {data!r}")


def fit(endpoint: str, data: dict[str, Any]) -> None:
    """Make one call's parameters fit the Bot API's limits (in place)."""
    if isinstance(data.get("text"), str):
        limit = ANSWER_LIMIT if endpoint == "answerCallbackQuery" else TEXT_LIMIT
        data["text"] = cut(data["text"], limit)
    if isinstance(data.get("caption"), str):
        data["caption"] = cut(data["caption"], CAPTION_LIMIT)
    check_callback_data(data.get("reply_markup"))


class LimitedBot(ExtBot):
    """PTB's ExtBot whose every call is first made to fit (see `fit`)."""

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None,
                    *args: Any, **kwargs: Any) -> Any:
        if data:
            fit(endpoint, data)
        return await super()._post(endpoint, data, *args, **kwargs)
