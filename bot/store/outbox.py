"""The notification outbox: messages are written in the same transaction as the change
that causes them, and a notifier delivers them later (at least once, shown at most once)."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from bot.fmt import now_utc


async def enqueue(
    conn: aiosqlite.Connection,
    *,
    chat_id: int,
    kind: str,
    text: str,
    reply_markup: dict[str, Any] | None = None,
    request_id: int | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Add a message to the outbox inside the caller's transaction.

    `dedupe_key` makes the event idempotent: a second message with the same key is
    ignored. Returns the new row id, or None when the key was already there.
    """
    now = now_utc().isoformat()
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, kind, text, reply_markup, request_id,"
        " dedupe_key, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (chat_id, kind, text, json.dumps(reply_markup, ensure_ascii=False) if reply_markup
         else None, request_id, dedupe_key, now, now),
    )
    return int(cur.lastrowid) if cur.rowcount else None
