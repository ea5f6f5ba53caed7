"""The SQLite store: every query mixin over one Database."""

from __future__ import annotations

from pathlib import Path

from bot.store.core import CoreQueries
from bot.store.db import Database
from bot.store.limits import LimitQueries
from bot.store.operations import OperationsQueries
from bot.store.outbox import OutboxQueries
from bot.store.payments import PaymentQueries
from bot.store.requests import RequestQueries
from bot.store.unknown_texts import UnknownTextQueries


class SqliteStore(CoreQueries, OutboxQueries, OperationsQueries, RequestQueries,
                  PaymentQueries, UnknownTextQueries, LimitQueries):
    """The bot's store on an aiosqlite database (WAL, foreign keys, migrations)."""

    def __init__(self, path: Path | str) -> None:
        self.db = Database(path)

    async def open(self) -> SqliteStore:
        """Open the database and apply migrations."""
        await self.db.open()
        return self

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
