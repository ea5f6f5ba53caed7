"""The notification outbox: messages are written in the same transaction as the change
that causes them, and a notifier delivers them later (at least once, shown at most once).

Life of a row: `pending` (with `not_before`, the earliest next attempt, and `last_error`,
why the last attempt did not deliver it) → `sent` (with the Bot API's message id) or
`failed` (a definite answer: the chat blocked the bot or is gone, or the Bot API refused
the message itself). An outage of the Bot API never fails a message: it stays pending.

Claims (issue 14, item 5): a sender does not just read what is due, it claims it. The
rows it takes get a lease, `claimed_by` (the sender) and `claimed_until`; no other
sender takes a row whose lease has not run out, nor any later message of that chat (a
chat gets its messages in order), so a second notifier, `ops notify-pending` or a new
leader never sends a message another live sender holds. A sender that died leaves its
leases to run out, and then any sender takes its rows over. On PostgreSQL the claim
locks the rows it reads (`FOR UPDATE SKIP LOCKED`: two claims at once never take the
same row and never wait on each other); on SQLite the single writer does the same.
Leases are moments of the senders' clocks: machines sharing a database keep their
clocks in time (NTP); a few seconds of difference are far inside a lease.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.engine import Connection, Database
from bot.text import limits
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
    ignored. Returns the new row id, or None when the key was already there. The text is
    fitted to the Bot API's limit and callback data are checked, so every row can be sent;
    a group that became a supergroup gets the message at its new id.
    """
    now = now_utc().isoformat()
    if chat_id < 0:
        chat_id = await _current_chat(conn, chat_id)
    row = await conn.fetchone(
        "INSERT INTO outbox (chat_id, kind, text, reply_markup, request_id,"
        " dedupe_key, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (chat_id, kind, limits.fit(text), _markup_json(reply_markup), request_id, dedupe_key,
         now, now),
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
    """Add many messages inside the caller's transaction, one statement per 500, each
    checked as `enqueue` does (text fitted, markup checked, a migrated group's new id); a
    dedupe key already there is skipped. Returns how many rows were added."""
    now, added = now_utc().isoformat(), 0
    for start in range(0, len(messages), _CHUNK):
        chunk = messages[start:start + _CHUNK]
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        params = []
        for m in chunk:
            chat_id = await _current_chat(conn, m.chat_id) if m.chat_id < 0 else m.chat_id
            params += (chat_id, m.kind, limits.fit(m.text), _markup_json(m.reply_markup),
                       m.request_id, m.dedupe_key, now, now)
        added += len(await conn.fetchall(
            "INSERT INTO outbox (chat_id, kind, text, reply_markup, request_id, dedupe_key,"
            f" not_before, created_at) VALUES {marks} ON CONFLICT (dedupe_key) DO NOTHING"
            " RETURNING id", params))
    return added


def _markup_json(markup: dict[str, Any] | None) -> str | None:
    if not markup:
        return None
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if "callback_data" in button:
                limits.check_callback_data(button["callback_data"])
    return json.dumps(markup, ensure_ascii=False)


async def _current_chat(conn: Connection, chat_id: int) -> int:
    """The chat id messages for `chat_id` go to (its supergroup's, if it was upgraded)."""
    row = await conn.fetchone(
        "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id=?", (chat_id,))
    return int(row[0]) if row else chat_id


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
class WaitingGroup:
    """Pending messages of one kind held up for one reason (None: not tried yet)."""

    kind: str
    reason: str | None
    messages: int
    chats: int
    oldest: dt.datetime
    next_try: dt.datetime


@dataclass(frozen=True)
class ChatMigration:
    """A group that became a supergroup: its messages go to `new_chat_id`."""

    old_chat_id: int
    new_chat_id: int
    migrated_at: dt.datetime


@dataclass(frozen=True)
class OutboxCounts:
    """How many messages are in each state."""

    pending: int = 0
    sent: int = 0
    failed: int = 0


class OutboxQueries:
    """The outbox store interface: what the notifier claims, reads and marks."""

    db: Database

    async def due_outbox(
        self, limit: int, *, exclude_chats: Collection[int] = (), now: dt.datetime | None = None
    ) -> list[OutboxMessage]:
        """Messages to send now, without claiming them (a look, e.g. for the operators):
        the oldest pending one of each chat, if its time has come and no sender holds it,
        skipping `exclude_chats`; oldest first."""
        sql, params = _heads(limit, exclude_chats, (now or now_utc()).isoformat(), None)
        return [OutboxMessage.from_row(r) for r in await self.db.fetchall(sql, params)]

    async def claim_outbox(
        self, limit: int, *, holder: str, lease: float, exclude_chats: Collection[int] = (),
        now: dt.datetime | None = None,
    ) -> list[OutboxMessage]:
        """Claim messages to send now for `holder` (a sender's unique name) for `lease`
        seconds: the oldest pending one of each chat, if its time has come and no other
        sender holds it (a lease run out is taken over; the holder's own are taken again),
        skipping `exclude_chats`; oldest first. Nobody else takes them until the lease runs
        out, they are marked, retried later, given up or released."""
        moment = now or now_utc()
        async with self.db.transaction() as conn:
            sql, params = _heads(limit, exclude_chats, moment.isoformat(), holder)
            rows = await conn.fetchall(sql + conn.skip_locked("o"), params)
            if rows:
                until = (moment + dt.timedelta(seconds=lease)).isoformat()
                ids = [row["id"] for row in rows]
                await conn.execute(
                    f"UPDATE outbox SET claimed_by=?, claimed_until=? WHERE id IN ({_marks(ids)})",
                    (holder, until, *ids))
        return [OutboxMessage.from_row(r) for r in rows]

    async def extend_outbox_claims(self, ids: Collection[int], *, holder: str, lease: float,
                                   now: dt.datetime | None = None) -> set[int]:
        """Renew `holder`'s leases of these pending messages for `lease` seconds from now;
        the ids it still holds (a message taken over by another sender is not among them,
        and must not be sent)."""
        if not ids:
            return set()
        until = ((now or now_utc()) + dt.timedelta(seconds=lease)).isoformat()
        async with self.db.transaction() as conn:
            rows = await conn.fetchall(
                f"UPDATE outbox SET claimed_until=? WHERE id IN ({_marks(ids)})"
                " AND claimed_by=? AND status='pending' RETURNING id", (until, *ids, holder))
        return {int(row[0]) for row in rows}

    async def release_outbox(self, ids: Collection[int], *, holder: str) -> None:
        """Give back `holder`'s claims of these messages, not sent (any sender may take
        them when they are due)."""
        if not ids:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET claimed_by=NULL, claimed_until=NULL"
                f" WHERE id IN ({_marks(ids)}) AND claimed_by=?", (*ids, holder))

    async def next_outbox_due(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When the earliest message that a claim would return may be tried (the oldest
        pending message of each chat counts, when its lease runs out if another sender
        holds it; None when nothing is pending)."""
        moment = (now or now_utc()).isoformat()
        sql = ("SELECT MIN(CASE WHEN o.claimed_until > ? AND o.claimed_until > o.not_before"
               " THEN o.claimed_until ELSE o.not_before END) FROM outbox o JOIN (SELECT"
               " MIN(id) AS id FROM outbox WHERE status='pending' GROUP BY chat_id) AS heads"
               " ON heads.id = o.id")
        row = await self.db.fetchone(sql, (moment,))
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    async def mark_outbox_sent(self, marks: Mapping[int, int | None]) -> None:
        """Record that the Bot API accepted these messages (outbox id -> the API's message
        id), all in one transaction: they are never sent again (whoever holds them now)."""
        now = now_utc().isoformat()
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status='sent', message_id=?, sent_at=?, attempts=attempts+1,"
                " claimed_by=NULL, claimed_until=NULL WHERE id=? AND status='pending'",
                [(message_id, now, outbox_id) for outbox_id, message_id in marks.items()],
            )

    async def retry_outbox_later(self, outbox_id: int, not_before: dt.datetime, error: str) -> None:
        """Count a failed attempt and schedule the next one (by any sender)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts=attempts+1, not_before=?, last_error=?,"
                " claimed_by=NULL, claimed_until=NULL WHERE id=? AND status='pending'",
                (not_before.isoformat(), error[:500], outbox_id),
            )

    async def fail_outbox(self, outbox_id: int, error: str, *, chat_gone: bool = False) -> int:
        """Give up on a message. `chat_gone` (blocked, deleted): mark the chat blocked and
        give up on its other pending messages too. Returns how many messages failed."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE outbox SET status='failed', attempts=attempts+1, last_error=?, claimed_by=NULL,"
                " claimed_until=NULL WHERE id=? AND status='pending' RETURNING chat_id",
                (error[:500], outbox_id),
            )
            failed = 1 if row else 0
            if row and chat_gone:
                now = now_utc().isoformat()
                await conn.execute(
                    "UPDATE chats SET blocked=1, updated_at=? WHERE chat_id=?", (now, row[0])
                )
                failed += await conn.execute(
                    "UPDATE outbox SET status='failed', last_error=?, claimed_by=NULL, claimed_until=NULL"
                    " WHERE chat_id=? AND status='pending'", (error[:500], row[0]),
                )
        return failed

    async def outbox_counts(self) -> OutboxCounts:
        """Messages pending, sent and failed."""
        sql = "SELECT status, COUNT(*) FROM outbox GROUP BY status"
        counts = {row[0]: int(row[1]) for row in await self.db.fetchall(sql)}
        return OutboxCounts(**counts)

    async def outbox_messages(
        self, *, chat_id: int | None = None, kind: str | None = None,
        request_id: int | None = None, status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Outbox rows (all columns), oldest first, optionally of one chat, kind, request
        or status."""
        clauses, params = [], []
        for column, value in (("chat_id", chat_id), ("kind", kind), ("request_id", request_id),
                              ("status", status)):
            if value is not None:
                clauses.append(f"{column}=?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [dict(row) for row in await self.db.fetchall(f"SELECT * FROM outbox{where} ORDER BY id", params)]

    async def outbox_waiting(self) -> list[WaitingGroup]:
        """What is pending, grouped by kind and the reason it is still waiting, the largest
        group first."""
        sql = ("SELECT kind, last_error, COUNT(*), COUNT(DISTINCT chat_id), MIN(created_at),"
               " MIN(not_before) FROM outbox WHERE status='pending' GROUP BY kind, last_error"
               " ORDER BY COUNT(*) DESC, MIN(created_at)")
        return [WaitingGroup(r[0], r[1], int(r[2]), int(r[3]), dt.datetime.fromisoformat(r[4]),
                             dt.datetime.fromisoformat(r[5]))
                for r in await self.db.fetchall(sql)]

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """Remember that a group became a supergroup and send its pending messages to the new
        id (in order). Returns how many pending messages were moved."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at)"
                " VALUES (?, ?, ?) ON CONFLICT (old_chat_id) DO UPDATE SET"
                " new_chat_id=excluded.new_chat_id, migrated_at=excluded.migrated_at",
                (old_chat_id, new_chat_id, now_utc().isoformat()),
            )
            return await conn.execute(
                "UPDATE outbox SET chat_id=? WHERE chat_id=? AND status='pending'",
                (new_chat_id, old_chat_id),
            )

    async def chat_migrations(self) -> list[ChatMigration]:
        """Every group known to have become a supergroup, oldest first."""
        sql = ("SELECT old_chat_id, new_chat_id, migrated_at FROM chat_migrations"
               " ORDER BY migrated_at, old_chat_id")
        return [ChatMigration(int(r[0]), int(r[1]), dt.datetime.fromisoformat(r[2]))
                for r in await self.db.fetchall(sql)]


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


def _heads(limit: int, exclude_chats: Collection[int], moment: str, holder: str | None
           ) -> tuple[str, tuple[Any, ...]]:
    """The query of the messages due now: the oldest pending one of each chat not in
    `exclude_chats`, whose time has come and whose lease (if any) ran out or is
    `holder`'s; oldest first, at most `limit`. The status is checked on the row itself
    too: on PostgreSQL a claim that locks a row changed since its statement began re-checks
    only that row's own conditions, and a row just marked sent must fail them."""
    skip = tuple(exclude_chats)
    not_in = f" AND chat_id NOT IN ({_marks(skip)})" if skip else ""
    sql = ("SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox"
           f" WHERE status='pending'{not_in} GROUP BY chat_id) AS heads ON heads.id = o.id"
           " WHERE o.status='pending' AND o.not_before<=?"
           " AND (o.claimed_until IS NULL OR o.claimed_until<=?"
           " OR o.claimed_by=?) ORDER BY o.not_before, o.id LIMIT ?")
    return sql, (*skip, moment, moment, holder, limit)
