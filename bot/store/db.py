"""The SQLite database: connections, WAL, foreign keys, numbered migrations, transactions."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


async def fetchall(conn: aiosqlite.Connection, sql: str,
                   params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
    """All rows of a query in one round trip to the connection's thread."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def fetchone(conn: aiosqlite.Connection, sql: str,
                   params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    """The first row of a query (or None) in one round trip."""
    rows = await fetchall(conn, sql, params)
    return rows[0] if rows else None


class Database:
    """One writer connection (serialised by a lock) and one reader connection (WAL)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        """Open both connections and apply pending migrations."""
        if self._writer is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self.migrate()
        self._reader = await self._connect() if str(self.path) != ":memory:" else self._writer

    async def close(self) -> None:
        """Close the connections."""
        for conn in {id(c): c for c in (self._reader, self._writer) if c}.values():
            await conn.close()
        self._writer = self._reader = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def reader(self) -> aiosqlite.Connection:
        """The connection for reads outside a transaction."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """All rows of a read outside a transaction (the reader connection)."""
        return await fetchall(self.reader, sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a read outside a transaction, or None."""
        return await fetchone(self.reader, sql, params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer; ROLLBACK on any error."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def migrate(self) -> list[int]:
        """Apply every migration file not yet recorded in schema_version; return the new ones."""
        assert self._writer is not None
        await self._writer.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self._writer.execute("SELECT version FROM schema_version") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        for number, path in migration_files():
            if number in done:
                continue
            script = path.read_text(encoding="utf-8")
            try:
                await self._writer.executescript(
                    "BEGIN;\n" + script + "\nINSERT INTO schema_version VALUES "
                    f"({number}, '{path.name}', datetime('now'));\nCOMMIT;"
                )
            except Exception:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            applied.append(number)
        return applied

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        async with self.reader.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0] or 0)


def migration_files(folder: Path = MIGRATIONS) -> list[tuple[int, Path]]:
    """The numbered migration files, in order; a badly named file is an error."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNN_name.sql: {path.name}")
        found.append((int(match.group(1)), path))
    numbers = [n for n, _ in found]
    if len(numbers) != len(set(numbers)):
        raise ValueError(f"two migrations share a number in {folder}")
    return found
