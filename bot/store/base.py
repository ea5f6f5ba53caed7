"""The store over any engine: every query mixin, units of work, open and close."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

from bot.store.core import CoreQueries
from bot.store.engine import Database
from bot.store.imports import ImportQueries
from bot.store.leadership import LeadershipQueries
from bot.store.limits import LimitQueries
from bot.store.operations import OperationsQueries
from bot.store.outbox import OutboxQueries
from bot.store.payments import PaymentQueries
from bot.store.ptb_state import PtbStateQueries
from bot.store.quarantine import QuarantineQueries
from bot.store.requests import RequestQueries
from bot.store.unit import Unit
from bot.store.unknown_texts import UnknownTextQueries


class SqlStore(CoreQueries, OutboxQueries, OperationsQueries, RequestQueries, PaymentQueries,
               UnknownTextQueries, PtbStateQueries, QuarantineQueries, LimitQueries,
               LeadershipQueries, ImportQueries):
    """The bot's store; SqliteStore and PostgresStore give it its engine."""

    db: Database

    async def open(self) -> Self:
        """Connect and apply migrations (idempotent)."""
        await self.db.open()
        return self

    async def close(self) -> None:
        """Disconnect; the store may be opened again."""
        await self.db.close()

    @property
    def name(self) -> str:
        """The database as shown to people (a path, or a URL without its password)."""
        return self.db.name

    @property
    def engine(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.db.engine

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        return await self.db.schema_version()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """A unit of work: one transaction whose domain methods (bot/store/unit.py) are
        committed together when the block ends, or not at all."""
        async with self.db.transaction() as conn:
            yield Unit(conn)

    transaction = unit  # the name callers used before units of work
