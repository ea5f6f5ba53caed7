"""Core queries: chats, subscribers, bills, readings and chat–subscription links."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bot.store.engine import Connection, Database, Reader
from bot.store.models import Bill, Chat, Link, Reading, Subscriber
from bot.text.fmt import now_utc

SUBSCRIBER_COLUMNS = (
    "subscription_number", "file_number", "bill_id", "name", "national_id", "phone", "schedule",
    "city", "zone", "address", "usage", "units", "non_residential_units", "diameter",
    "contract_capacity", "has_sewage", "meter_status",
)
BILL_COLUMNS = (
    "subscriber_id", "year", "period", "issue_date", "bill_id", "payment_id", "usage", "units",
    "non_residential_units", "diameter", "meter_status", "prev_reading_date",
    "curr_reading_date", "prev_reading", "curr_reading", "days", "consumption",
    "average_daily", "allowed", "excess_use", "fixed_fee", "water_charge", "sewage_fee", "tax",
    "excess_charge", "supply_project", "total", "previous_balance", "carry_in", "carry_out",
    "cost_price_per_m3", "subsidy", "payable", "due_date", "paid_at", "lines_json",
)


# Columns of text holding numbers or codes: a number given for them is stored as its text
# (as SQLite's TEXT affinity does; PostgreSQL accepts only text for a text column).
TEXT_COLUMNS = frozenset({
    "subscription_number", "file_number", "bill_id", "national_id", "phone", "payment_id",
    "contract_capacity", "consumption", "average_daily", "allowed", "excess_use",
})


def _sql_value(value: Any, column: str = "") -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal) or (column in TEXT_COLUMNS and isinstance(value, int | float)):
        return str(value)
    return value


def _insert_sql(table: str, columns: Iterable[str], returning: str = "") -> str:
    cols = tuple(columns)
    return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            + (f" RETURNING {returning}" if returning else ""))


async def insert_id(conn: Connection, sql: str, params: Iterable[Any]) -> int:
    """Run an INSERT … RETURNING id; the new row's id."""
    row = await conn.fetchone(sql, tuple(params))
    assert row is not None
    return int(row[0])


async def insert_bills(conn: Connection, bills: Iterable[Mapping[str, Any]]) -> list[int]:
    """Insert bills inside the caller's transaction (column names of the bills table;
    `lines` as (code, amount) pairs); returns their ids in order."""
    sql = _insert_sql("bills", (*BILL_COLUMNS, "created_at"), returning="id")
    now = now_utc().isoformat()
    ids = []
    for bill in bills:
        row = dict(bill)
        row["lines_json"] = json.dumps([[c, int(a)] for c, a in row.pop("lines", ())])
        ids.append(await insert_id(
            conn, sql, (*(_sql_value(row.get(col), col) for col in BILL_COLUMNS), now)))
    return ids


async def insert_reading(
    conn: Connection, subscriber_id: int, read_on: dt.date, reading: int, source: str,
    *, chat_id: int | None = None, photo_file_id: str | None = None,
) -> int:
    """Add a meter reading inside the caller's transaction (so a notice can commit with
    it); return its id."""
    return await insert_id(
        conn, "INSERT INTO readings (subscriber_id, read_on, reading, source, chat_id,"
        " photo_file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (subscriber_id, read_on.isoformat(), reading, source, chat_id, photo_file_id,
         now_utc().isoformat()),
    )


async def prove_link(conn: Connection, chat_id: int, subscriber_id: int, nickname: str,
                     proof: str, *, rename: bool) -> None:
    """Link a subscription to a chat as proven (`proof`: phone or bill) inside the caller's
    transaction; an existing link keeps its nickname unless `rename`."""
    now = now_utc().isoformat()
    await conn.execute(
        "INSERT INTO links (chat_id, subscriber_id, nickname, verified_at, proof, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id, subscriber_id) DO UPDATE SET"
        " verified_at=excluded.verified_at, proof=excluded.proof, nickname=CASE WHEN ? = 1"
        " THEN excluded.nickname ELSE links.nickname END",
        (chat_id, subscriber_id, nickname, now, proof, now, int(rename)),
    )


async def remove_link(conn: Connection, chat_id: int, subscriber_id: int) -> bool:
    """Remove a link inside the caller's transaction; True if there was one."""
    return await conn.execute("DELETE FROM links WHERE chat_id=? AND subscriber_id=?",
                              (chat_id, subscriber_id)) > 0


async def verified_chat_ids(reader: Reader, subscriber_id: int) -> list[int]:
    """Chats that proved ownership of a subscription and did not block the bot (they get
    its notifications)."""
    sql = ("SELECT l.chat_id FROM links l JOIN chats c ON c.chat_id = l.chat_id"
           " WHERE l.subscriber_id=? AND l.verified_at IS NOT NULL AND c.blocked=0"
           " ORDER BY l.chat_id")
    return [int(r[0]) for r in await reader.fetchall(sql, (subscriber_id,))]


async def area_chat_ids(reader: Reader, city: str, zone: int | None) -> list[int]:
    """Every verified, unblocked chat linked to a subscription in the city (and zone)."""
    sql = ("SELECT DISTINCT l.chat_id FROM links l JOIN subscribers s ON s.id = l.subscriber_id"
           " JOIN chats c ON c.chat_id = l.chat_id WHERE s.city=? AND l.verified_at IS NOT NULL"
           " AND c.blocked=0")
    params: list[Any] = [city]
    if zone is not None:
        sql += " AND s.zone=?"
        params.append(zone)
    return [int(r[0]) for r in await reader.fetchall(sql + " ORDER BY l.chat_id", params)]


async def reminder_page(reader: Reader, first: dt.date, last: dt.date, after: int, limit: int
                        ) -> tuple[list[tuple[Bill, str, int]], int | None]:
    """One page of reminders to queue: the next `limit` verified links (by subscription,
    after subscriber id `after`) with each unpaid bill of theirs due from `first` to `last`,
    as (bill, subscription number, chat), and the subscriber id the page ends at (None:
    no link is left). It is driven by the links, a few thousand, not by the bills, which
    can be a million on bill day; read outside any write transaction."""
    row = await reader.fetchone(
        "SELECT subscriber_id FROM links WHERE verified_at IS NOT NULL AND subscriber_id > ?"
        " ORDER BY subscriber_id LIMIT 1 OFFSET ?", (after, limit - 1))
    end = int(row[0]) if row else None
    bound = "" if end is None else " AND l.subscriber_id <= ?"
    sql = ("SELECT b.*, s.subscription_number, l.chat_id AS reminder_chat FROM links l"
           " JOIN chats c ON c.chat_id = l.chat_id AND c.blocked = 0"
           " JOIN bills b ON b.subscriber_id = l.subscriber_id"
           " JOIN subscribers s ON s.id = b.subscriber_id"
           f" WHERE l.verified_at IS NOT NULL AND l.subscriber_id > ?{bound}"
           " AND b.paid_at IS NULL AND b.due_date BETWEEN ? AND ?"
           " ORDER BY l.subscriber_id, l.chat_id, b.id")
    params = (after, *(() if end is None else (end,)), first.isoformat(), last.isoformat())
    rows = await reader.fetchall(sql, params)
    return ([(Bill.from_row(r), str(r["subscription_number"]), int(r["reminder_chat"]))
             for r in rows], end)


async def area_chat_page(reader: Reader, city: str, zone: int | None, after: int,
                         limit: int) -> list[int]:
    """The next `limit` chats of `area_chat_ids` above chat id `after`, in order."""
    sql = ("SELECT DISTINCT l.chat_id FROM links l JOIN subscribers s ON s.id = l.subscriber_id"
           " JOIN chats c ON c.chat_id = l.chat_id WHERE s.city=? AND l.verified_at IS NOT NULL"
           " AND c.blocked=0 AND l.chat_id > ?")
    params: list[Any] = [city, after]
    if zone is not None:
        sql += " AND s.zone=?"
        params.append(zone)
    rows = await reader.fetchall(sql + " ORDER BY l.chat_id LIMIT ?", (*params, limit))
    return [int(r[0]) for r in rows]


async def subscriber_where(reader: Reader, column: str, value: Any) -> Subscriber | None:
    """The subscriber whose `column` (id, subscription_number, bill_id) is `value`."""
    if column not in {"id", "subscription_number", "bill_id"}:
        raise ValueError(column)
    row = await reader.fetchone(f"SELECT * FROM subscribers WHERE {column}=?", (value,))
    return Subscriber.from_row(row) if row else None


class CoreQueries:
    """Chats, subscribers, bills, readings and links (the core store interface)."""

    db: Database

    # chats -----------------------------------------------------------------
    async def upsert_chat(
        self, chat_id: int, user_id: int | None, first_name: str | None, username: str | None
    ) -> None:
        """Record a chat the bot has talked to (idempotent)."""
        now = now_utc().isoformat()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chats (chat_id, user_id, first_name, username, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET"
                " user_id=excluded.user_id, first_name=excluded.first_name,"
                " username=excluded.username, blocked=0, updated_at=excluded.updated_at",
                (chat_id, user_id, first_name, username, now, now),
            )

    async def chat(self, chat_id: int) -> Chat | None:
        """A chat by id."""
        rows = await self.db.lookup("SELECT * FROM chats WHERE chat_id=?", (chat_id,))
        return Chat.from_row(rows[0]) if rows else None

    async def set_verified_phone(self, chat_id: int, phone: str) -> None:
        """Store the phone the user proved by sharing their own contact."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE chats SET phone=?, phone_verified_at=?, updated_at=? WHERE chat_id=?",
                (phone, now_utc().isoformat(), now_utc().isoformat(), chat_id),
            )

    async def set_chat_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Mark that the user blocked the bot (or unblocked it)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE chats SET blocked=?, updated_at=? WHERE chat_id=?",
                (int(blocked), now_utc().isoformat(), chat_id),
            )

    # subscribers -------------------------------------------------------------
    async def subscriber(self, subscriber_id: int) -> Subscriber | None:
        """A subscriber by internal id."""
        return await self._one_subscriber("id", subscriber_id)

    async def subscriber_by_number(self, number: str) -> Subscriber | None:
        """A subscriber by subscription number (all digits)."""
        return await self._one_subscriber("subscription_number", number)

    async def subscriber_by_bill_id(self, bill_id: str) -> Subscriber | None:
        """A subscriber by the fixed bill ID of the subscription."""
        return await self._one_subscriber("bill_id", bill_id)

    async def _one_subscriber(self, column: str, value: Any) -> Subscriber | None:
        if column not in {"id", "subscription_number", "bill_id"}:
            raise ValueError(column)
        rows = await self.db.lookup(f"SELECT * FROM subscribers WHERE {column}=?", (value,))
        return Subscriber.from_row(rows[0]) if rows else None

    async def add_subscribers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert subscribers in one transaction; all or nothing. Returns the count."""
        sql = _insert_sql("subscribers", (*SUBSCRIBER_COLUMNS, "created_at"))
        now = now_utc().isoformat()
        values = [
            (*(_sql_value(row.get(col), col) for col in SUBSCRIBER_COLUMNS), now) for row in rows
        ]
        async with self.db.transaction() as conn:
            await conn.executemany(sql, values)
        return len(values)

    async def subscribers_count(self) -> int:
        """How many subscribers are on file."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM subscribers")
        return int(row[0])

    async def sample_subscribers(self, limit: int = 5) -> list[Subscriber]:
        """A few subscribers (lowest ids), for the demo's hints."""
        sql = "SELECT * FROM subscribers ORDER BY id LIMIT ?"
        return [Subscriber.from_row(r) for r in await self.db.fetchall(sql, (limit,))]

    # bills -------------------------------------------------------------------
    async def add_bills(self, bills: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert bills in one transaction (see `insert_bills`); returns their ids."""
        async with self.db.transaction() as conn:
            return await insert_bills(conn, bills)

    async def latest_bill(self, subscriber_id: int) -> Bill | None:
        """The most recent bill of a subscriber."""
        bills = await self.bills(subscriber_id, limit=1)
        return bills[0] if bills else None

    async def bills(self, subscriber_id: int, limit: int = 12, offset: int = 0) -> list[Bill]:
        """Bills of a subscriber, newest first."""
        sql = ("SELECT * FROM bills WHERE subscriber_id=? ORDER BY year DESC, period DESC "
               "LIMIT ? OFFSET ?")
        return [Bill.from_row(r) for r in await self.db.lookup(sql, (subscriber_id, limit, offset))]

    async def bill(self, bill_row_id: int) -> Bill | None:
        """One bill by its row id."""
        rows = await self.db.lookup("SELECT * FROM bills WHERE id=?", (bill_row_id,))
        return Bill.from_row(rows[0]) if rows else None

    # readings ----------------------------------------------------------------
    async def add_reading(
        self, subscriber_id: int, read_on: dt.date, reading: int, source: str,
        chat_id: int | None = None, photo_file_id: str | None = None,
    ) -> int:
        """Store a meter reading."""
        async with self.db.transaction() as conn:
            return await insert_reading(conn, subscriber_id, read_on, reading, source,
                                        chat_id=chat_id, photo_file_id=photo_file_id)

    async def add_readings(self, rows: Iterable[tuple[int, dt.date, int]], source: str) -> int:
        """Store many readings (subscriber id, day, reading) in one transaction."""
        now = now_utc().isoformat()
        values = [(sid, day.isoformat(), value, source, now) for sid, day, value in rows]
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO readings (subscriber_id, read_on, reading, source, created_at)"
                " VALUES (?, ?, ?, ?, ?)", values,
            )
        return len(values)

    async def last_reading(self, subscriber_id: int) -> Reading | None:
        """The latest reading of any source."""
        sql = "SELECT * FROM readings WHERE subscriber_id=? ORDER BY read_on DESC, id DESC LIMIT 1"
        rows = await self.db.lookup(sql, (subscriber_id,))
        return Reading.from_row(rows[0]) if rows else None

    # links -------------------------------------------------------------------
    async def link_subscription(self, chat_id: int, subscriber_id: int, nickname: str) -> None:
        """Link a subscription to a chat (unverified until the phone matches); renames if linked."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO links (chat_id, subscriber_id, nickname, created_at) VALUES (?,?,?,?)"
                " ON CONFLICT(chat_id, subscriber_id) DO UPDATE SET nickname=excluded.nickname",
                (chat_id, subscriber_id, nickname, now_utc().isoformat()),
            )

    async def verify_link(self, chat_id: int, subscriber_id: int, proof: str = "phone") -> None:
        """Mark a link as proven: `phone` (the chat's verified phone matches the one on
        file) or `bill` (a payment ID of one of the subscription's last bills)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE links SET verified_at=?, proof=? WHERE chat_id=? AND subscriber_id=?",
                (now_utc().isoformat(), proof, chat_id, subscriber_id),
            )

    async def unlink_subscription(self, chat_id: int, subscriber_id: int) -> bool:
        """Remove a link; True if there was one."""
        async with self.db.transaction() as conn:
            return await remove_link(conn, chat_id, subscriber_id)

    async def links(self, chat_id: int) -> list[Link]:
        """The subscriptions linked to a chat, in the order they were added."""
        sql = ("SELECT s.*, l.nickname, l.verified_at, l.proof FROM links l JOIN subscribers s"
               " ON s.id = l.subscriber_id WHERE l.chat_id=? ORDER BY l.created_at, s.id")
        rows = await self.db.lookup(sql, (chat_id,))
        return [Link(chat_id, Subscriber.from_row(r), r["nickname"], bool(r["verified_at"]),
                     r["proof"]) for r in rows]

    async def link(self, chat_id: int, subscriber_id: int) -> Link | None:
        """One link of a chat, or None if that subscription is not linked to it."""
        for item in await self.links(chat_id):
            if item.subscriber.id == subscriber_id:
                return item
        return None

    async def verified_chats(self, subscriber_id: int) -> list[int]:
        """Chats that proved ownership of a subscription (they get its notifications)."""
        return await verified_chat_ids(self.db, subscriber_id)

    async def outage_chats(self, city: str, zone: int | None) -> list[int]:
        """Every verified, unblocked chat linked to a subscription in the city (and zone):
        who a planned outage notice would reach."""
        return await area_chat_ids(self.db, city, zone)

    async def reminder_page(self, first: dt.date, last: dt.date, after: int = 0,
                            limit: int = 500
                            ) -> tuple[list[tuple[Bill, str, int]], int | None]:
        """(bill, subscription number, chat) to remind for the next `limit` verified links
        after subscriber `after`, and where the page ends (None: the last page); see
        core.reminder_page."""
        return await reminder_page(self.db, first, last, after, limit)

    async def outage_chat_page(self, city: str, zone: int | None, after: int = 0,
                               limit: int = 500) -> list[int]:
        """`outage_chats` page by page: the next `limit` chats above `after`."""
        return await area_chat_page(self.db, city, zone, after, limit)
