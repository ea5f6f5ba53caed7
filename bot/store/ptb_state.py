"""The tables behind PTB's persistence (bot/persistence.py pickles; this stores the bytes).

Kinds and their keys: `user_data` (user id), `chat_data` (chat id), `bot_data` and
`callback_data` (one row, key 1), `conversations` (conversation name, JSON of the key).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from bot.store.engine import Database
from bot.store.leadership import record_handled

_TABLES = {
    "user_data": ("ptb_user_data", ("user_id",), "data"),
    "chat_data": ("ptb_chat_data", ("chat_id",), "data"),
    "bot_data": ("ptb_bot_data", ("id",), "data"),
    "callback_data": ("ptb_callback_data", ("id",), "data"),
    "conversations": ("ptb_conversations", ("name", "key"), "state"),
}
KINDS = frozenset(_TABLES)

# (kind, key, pickled value or None to delete the row)
PtbWrite = tuple[str, tuple[Any, ...], bytes | None]


def _blob(value: Any) -> bytes:
    """A stored value as bytes, whatever type a damaged row holds."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "replace")


def table_of(kind: str) -> tuple[str, tuple[str, ...]]:
    """The table of a kind and its key columns."""
    table, keys, _ = _TABLES[kind]
    return table, keys


def _upsert(kind: str) -> str:
    table, keys, value = _TABLES[kind]
    columns = (*keys, value)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT({', '.join(keys)}) DO UPDATE SET {value}=excluded.{value}")


def _delete(kind: str) -> str:
    table, keys, _ = _TABLES[kind]
    return f"DELETE FROM {table} WHERE {' AND '.join(f'{k}=?' for k in keys)}"


class PtbStateQueries:
    """Load and save PTB's persisted state."""

    db: Database

    async def ptb_rows(self, kind: str, name: str | None = None) -> list[tuple[Any, bytes]]:
        """(key, bytes) of every row of a kind; for `conversations`, of the conversation
        `name`, keyed by the JSON of the conversation key."""
        table, keys, value = _TABLES[kind]
        if kind == "conversations":
            rows = await self.db.fetchall(f"SELECT key, {value} FROM {table} WHERE name=?",
                                          (name,))
        else:
            rows = await self.db.fetchall(f"SELECT {keys[0]}, {value} FROM {table}")
        return [(row[0], _blob(row[1])) for row in rows]

    async def save_ptb_state(self, writes: Iterable[PtbWrite],
                             handled_updates: Collection[int] = ()) -> None:
        """Write and delete rows in ONE transaction (one statement per kind and action),
        with the ids of the updates whose handling produced them (bot/store/leadership.py)."""
        upserts: dict[str, list[tuple[Any, ...]]] = {}
        deletes: dict[str, list[tuple[Any, ...]]] = {}
        for kind, key, value in writes:
            if kind not in KINDS:
                raise ValueError(kind)
            if value is None:
                deletes.setdefault(kind, []).append(key)
            else:
                upserts.setdefault(kind, []).append((*key, value))
        if not upserts and not deletes and not handled_updates:
            return
        async with self.db.transaction() as conn:
            if handled_updates:
                await record_handled(conn, list(handled_updates))
            for kind, rows in deletes.items():
                await conn.executemany(_delete(kind), rows)
            for kind, rows in upserts.items():
                await conn.executemany(_upsert(kind), rows)
