"""Readings written inside the caller's transaction, so a notice can commit with them."""

from __future__ import annotations

import datetime as dt

import aiosqlite

from bot.fmt import now_utc


async def insert_reading(
    conn: aiosqlite.Connection, subscriber_id: int, read_on: dt.date, reading: int, source: str,
    *, chat_id: int | None = None, photo_file_id: str | None = None,
) -> int:
    """Add a meter reading on the transaction's connection; return its id."""
    cur = await conn.execute(
        "INSERT INTO readings (subscriber_id, read_on, reading, source, chat_id, photo_file_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (subscriber_id, read_on.isoformat(), reading, source, chat_id, photo_file_id,
         now_utc().isoformat()),
    )
    return int(cur.lastrowid or 0)
