"""The tables behind PTB's persistence (bot/runtime/persistence.py pickles; this stores the bytes).

Kinds and their keys: `user_data` (user id), `chat_data` (chat id), `bot_data` and
`callback_data` (one row, key 1), `conversations` (conversation name, JSON of the key).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from bot.store.engine import Database
from bot.store.leadership import handled_statements

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

    async def ptb_rows(self, kind: str, name: str | None = None, *,
                       skip: bytes | None = None) -> list[tuple[Any, bytes]]:
        """(key, bytes) of every row of a kind, but those whose bytes are `skip`; for
        `conversations`, of the conversation `name`, keyed by the JSON of the key."""
        table, keys, value = _TABLES[kind]
        if kind == "conversations":
            sql, params = f"SELECT key, {value} FROM {table} WHERE name=?", [name]
        else:
            sql, params = f"SELECT {keys[0]}, {value} FROM {table} WHERE 1=1", []
        if skip is not None:
            sql += f" AND {value} <> ?"
            params.append(skip)
        return [(row[0], _blob(row[1])) for row in await self.db.fetchall(sql, params)]

    async def save_ptb_state(self, writes: Iterable[PtbWrite],
                             handled_updates: Collection[int] = ()) -> None:
        """Write and delete rows in ONE transaction (one statement per kind and action),
        with the ids of the updates whose handling produced them (bot/store/leadership.py),
        in one hand-off to the database (`Database.write_batch`)."""
        upserts: dict[str, list[tuple[Any, ...]]] = {}
        deletes: dict[str, list[tuple[Any, ...]]] = {}
        for kind, key, value in writes:
            if kind not in KINDS:
                raise ValueError(kind)
            if value is None:
                deletes.setdefault(kind, []).append(key)
            else:
                upserts.setdefault(kind, []).append((*key, value))
        statements = handled_statements(list(handled_updates)) if handled_updates else []
        statements += [(_delete(kind), rows) for kind, rows in deletes.items()]
        statements += [(_upsert(kind), rows) for kind, rows in upserts.items()]
        if statements:
            await self.db.write_batch(statements)
