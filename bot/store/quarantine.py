"""Persistence rows that could not be read: kept aside so the bot starts anyway.

The PTB persistence (bot/runtime/persistence.py) moves an unreadable row of a PTB table here
(as it was, with the error) and deletes it from its table in one transaction. A row
stays "unnotified" until the user (or chat) it belonged to was told to start over.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.store.engine import Database
from bot.store.ptb_state import table_of
from bot.text.fmt import now_utc


@dataclass(frozen=True)
class QuarantinedRow:
    """A row moved aside, not yet told to its user; `source` is its table."""

    id: int
    source: str
    key: list[Any]

    def owners(self) -> set[int]:
        """The user and chat ids the lost state belonged to."""
        if self.source in ("ptb_user_data", "ptb_chat_data"):
            return {int(self.key[0])}
        if self.source == "ptb_conversations":
            try:
                return {int(part) for part in json.loads(self.key[1]) if isinstance(part, int)}
            except (ValueError, TypeError):
                return set()
        return set()


class QuarantineQueries:
    """Set aside, list and mark the unreadable PTB rows (the PtbStateStore's part)."""

    db: Database

    async def quarantine_ptb_row(self, kind: str, key: tuple[Any, ...], data: bytes,
                                 error: str) -> int:
        """Move one row of a PTB kind (bot/store/ptb_state.py; identified by `key`) aside;
        returns its quarantine id."""
        table, columns = table_of(kind)
        where = " AND ".join(f"{column}=?" for column in columns)
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO ptb_quarantine (source, row_key, data, error, found_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (table, json.dumps(list(key), ensure_ascii=False), data, error[:500],
                 now_utc().isoformat()),
            )
            await conn.execute(f"DELETE FROM {table} WHERE {where}", key)
        assert row is not None
        return int(row[0])

    async def unnotified_quarantine(self) -> list[QuarantinedRow]:
        """Rows moved aside whose user was not told yet, oldest first."""
        rows = await self.db.fetchall("SELECT id, source, row_key FROM ptb_quarantine"
                                      " WHERE notified_at IS NULL ORDER BY id")
        return [QuarantinedRow(int(r[0]), r[1], json.loads(r[2])) for r in rows]

    async def mark_quarantine_notified(self, ids: Collection[int]) -> None:
        """The users of these rows were told to start over."""
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        async with self.db.transaction() as conn:
            await conn.execute(f"UPDATE ptb_quarantine SET notified_at=? WHERE id IN ({marks})",
                               (now_utc().isoformat(), *ids))
