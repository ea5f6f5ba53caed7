"""The notification outbox: messages are written in the same transaction as the change
that causes them, and a notifier delivers them later (at least once, shown at most once).

Life of a row: `pending` (with `not_before`, the earliest next attempt) → `sent` (with the
Bot API's message id) or `failed` (the chat blocked the bot, or retries ran out).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.engine import Connection, Database
from bot.text.fmt import now_utc


async def enqueue(
    conn: Connection,
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
    row = await conn.fetchone(
        "INSERT INTO outbox (chat_id, kind, text, reply_markup, request_id, dedupe_key,"
        " not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (chat_id, kind, text, json.dumps(reply_markup, ensure_ascii=False) if reply_markup
         else None, request_id, dedupe_key, now, now),
    )
    return int(row[0]) if row else None


async def enqueue_many(
    conn: Connection, *, kind: str, text: str, chats: Iterable[tuple[int, str]]
) -> int:
    """Add the same message for many chats (a broadcast) inside the caller's transaction;
    `chats` gives (chat id, dedupe key) pairs; a key already there is skipped. Returns how
    many rows were added."""
    return await enqueue_batch(conn, [NewMessage(chat_id, kind, text, dedupe_key=key)
                                      for chat_id, key in chats])


@dataclass(frozen=True)
class NewMessage:
    """A message to add to the outbox (see `enqueue`)."""

    chat_id: int
    kind: str
    text: str
    reply_markup: dict[str, Any] | None = None
    request_id: int | None = None
    dedupe_key: str | None = None


_CHUNK = 500  # rows per INSERT (8 parameters each, under both engines' limits)


async def enqueue_batch(conn: Connection, messages: Sequence[NewMessage]) -> int:
    """Add many messages inside the caller's transaction, one statement per 500; a dedupe
    key already there is skipped. Returns how many rows were added."""
    now, added = now_utc().isoformat(), 0
    for start in range(0, len(messages), _CHUNK):
        chunk = messages[start:start + _CHUNK]
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        params = [value for m in chunk for value in (
            m.chat_id, m.kind, m.text, json.dumps(m.reply_markup, ensure_ascii=False)
            if m.reply_markup else None, m.request_id, m.dedupe_key, now, now)]
        added += len(await conn.fetchall(
            "INSERT INTO outbox (chat_id, kind, text, reply_markup, request_id, dedupe_key,"
            f" not_before, created_at) VALUES {marks} ON CONFLICT DO NOTHING RETURNING id",
            params))
    return added


@dataclass(frozen=True)
class OutboxMessage:
    """One message waiting in the outbox."""

    id: int
    chat_id: int
    kind: str
    text: str
    reply_markup: dict[str, Any] | None
    request_id: int | None
    attempts: int

    @classmethod
    def from_row(cls, row: Any) -> OutboxMessage:
        """Build from a database row."""
        markup = row["reply_markup"]
        return cls(row["id"], row["chat_id"], row["kind"], row["text"],
                   json.loads(markup) if markup else None, row["request_id"], row["attempts"])


@dataclass(frozen=True)
class OutboxCounts:
    """How many messages are in each state."""

    pending: int = 0
    sent: int = 0
    failed: int = 0


class OutboxQueries:
    """The outbox store interface: what the notifier reads and marks."""

    db: Database

    async def due_outbox(
        self, limit: int, *, exclude_chats: Collection[int] = (), now: dt.datetime | None = None
    ) -> list[OutboxMessage]:
        """Messages to send now: the oldest pending one of each chat, if its time has come,
        skipping `exclude_chats` (a message to them is in flight); oldest first."""
        moment = (now or now_utc()).isoformat()
        skip = tuple(exclude_chats)
        not_in = f" AND chat_id NOT IN ({','.join('?' * len(skip))})" if skip else ""
        sql = ("SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox"
               f" WHERE status='pending'{not_in} GROUP BY chat_id) AS heads ON heads.id = o.id"
               " WHERE o.not_before<=? ORDER BY o.not_before, o.id LIMIT ?")
        return [OutboxMessage.from_row(r) for r in await self.db.fetchall(sql, (*skip, moment, limit))]

    async def next_outbox_due(self) -> dt.datetime | None:
        """When the earliest pending message may be tried (None when nothing is pending)."""
        sql = "SELECT MIN(not_before) FROM outbox WHERE status='pending'"
        row = await self.db.fetchone(sql)
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    async def mark_outbox_sent(self, outbox_id: int, message_id: int | None) -> None:
        """Record that the Bot API accepted the message: it is never sent again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status='sent', message_id=?, sent_at=?, attempts=attempts+1"
                " WHERE id=? AND status='pending'",
                (message_id, now_utc().isoformat(), outbox_id),
            )

    async def retry_outbox_later(self, outbox_id: int, not_before: dt.datetime, error: str) -> None:
        """Count a failed attempt and schedule the next one."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts=attempts+1, not_before=?, last_error=?"
                " WHERE id=? AND status='pending'",
                (not_before.isoformat(), error[:500], outbox_id),
            )

    async def fail_outbox(self, outbox_id: int, error: str, *, chat_gone: bool = False) -> int:
        """Give up on a message. `chat_gone` (blocked, deleted): mark the chat blocked and
        give up on its other pending messages too. Returns how many messages failed."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE outbox SET status='failed', attempts=attempts+1, last_error=?"
                " WHERE id=? AND status='pending' RETURNING chat_id",
                (error[:500], outbox_id),
            )
            failed = 1 if row else 0
            if row and chat_gone:
                now = now_utc().isoformat()
                await conn.execute(
                    "UPDATE chats SET blocked=1, updated_at=? WHERE chat_id=?", (now, row[0])
                )
                failed += await conn.execute(
                    "UPDATE outbox SET status='failed', last_error=? WHERE chat_id=?"
                    " AND status='pending'", (error[:500], row[0]),
                )
        return failed

    async def outbox_counts(self) -> OutboxCounts:
        """Messages pending, sent and failed."""
        sql = "SELECT status, COUNT(*) FROM outbox GROUP BY status"
        counts = {row[0]: int(row[1]) for row in await self.db.fetchall(sql)}
        return OutboxCounts(**counts)

    async def outbox_messages(
        self, *, chat_id: int | None = None, kind: str | None = None,
        request_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Outbox rows (all columns), oldest first, optionally of one chat, kind or request."""
        clauses, params = [], []
        for column, value in (("chat_id", chat_id), ("kind", kind), ("request_id", request_id)):
            if value is not None:
                clauses.append(f"{column}=?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [dict(row) for row in await self.db.fetchall(f"SELECT * FROM outbox{where} ORDER BY id", params)]
