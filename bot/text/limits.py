"""The Bot API's size limits (Telegram's; Bale documents the same), and fitting text to them.

Telegram counts a message's length in UTF-16 code units (what `entities` offsets use), so
a character outside the Basic Multilingual Plane (most emoji) counts twice; `units`
measures that way. Bale is assumed to be no stricter.
"""

from __future__ import annotations

MESSAGE_TEXT = 4096  # sendMessage text
CAPTION = 1024  # photo and document captions
CALLBACK_DATA = 64  # bytes of an inline button's callback_data
ELLIPSIS = "…"


def units(text: str) -> int:
    """The length of `text` as the Bot API counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MESSAGE_TEXT) -> str:
    """`text` unchanged when it fits in `limit` units, else cut at a character boundary with
    an ellipsis at the end (the result always fits)."""
    if units(text) <= limit:
        return text
    budget = limit - units(ELLIPSIS)
    kept: list[str] = []
    for char in text:
        budget -= units(char)
        if budget < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def check_callback_data(data: str) -> str:
    """`data` if Telegram accepts it as callback_data (1-64 bytes), else ValueError (the
    bot builds callback data from codes and ids, so a longer one is a bug)."""
    if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA:
        raise ValueError(f"callback data must be 1-{CALLBACK_DATA} bytes: {data[:80]!r}")
    return data
