"""The SQLite engine (aiosqlite): one writer and one reader connection, WAL, migrations.

Writes are serialised on the writer connection by an asyncio lock. aiosqlite runs each
statement in the connection's own thread, so a statement whose caller was cancelled
still runs: BEGIN, COMMIT and ROLLBACK are therefore awaited as shielded tasks, and a
cancelled or failed transaction hands the writer to a clean-up task that lets the
statement end, rolls back and only then frees the writer (issue 10, item 1). The files are private to the bot's user: the
directory 0700, the database (and so its WAL and shared-memory files, which SQLite
creates with the database's mode) 0600 (item 14).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.base import SqlStore
from bot.store.engine import Row, dependency_order, migration_files

log = logging.getLogger(__name__)
# aiosqlite logs every call, with its parameters (phone numbers…), at DEBUG: never let
# them reach a log, whatever level the bot runs at (issue 10, item 20).
logging.getLogger("aiosqlite").setLevel(logging.INFO)

MEMORY = ":memory:"
QUICK_BUSY_MS = 20  # the longest a lookup in the loop's thread waits for a busy database
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


class SqliteConnection:
    """The store's connection interface over an aiosqlite connection."""

    for_update = ""  # the writer holds the whole database until the commit

    @staticmethod
    def skip_locked(table: str) -> str:
        """Nothing: no other writer can hold a row while this one writes."""
        return ""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row, in one round trip to the connection's thread."""
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def copy_rows(self, table: str, columns: Sequence[str],
                        rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows of a table."""
        marks = ", ".join("?" * len(columns))
        await self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def stream(self, sql: str, batch: int) -> AsyncIterator[list[Row]]:
        """The rows of a query in batches."""
        async with self._conn.execute(sql) as cursor:
            while rows := list(await cursor.fetchmany(batch)):
                yield rows


def _run_batch(writer: aiosqlite.Connection,
               work: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
    """In the writer's thread: one transaction of `work` (see SqliteDatabase.write_batch)."""
    conn = writer._conn
    if conn.in_transaction:  # a rollback failed earlier: never build on its leftovers
        conn.execute("ROLLBACK")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, rows in work:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class SqliteDatabase:
    """One SQLite file (or `:memory:`): a writer serialised by a lock, a reader (WAL)."""

    engine = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._quick: sqlite3.Connection | None = None  # lookups in the loop's thread
        self._write_lock = asyncio.Lock()
        self._cleanups: set[asyncio.Task[None]] = set()

    @property
    def name(self) -> str:
        """The file's path, as given."""
        return str(self.path)

    @property
    def in_memory(self) -> bool:
        """Whether this is a private in-memory database."""
        return str(self.path) == MEMORY

    async def open(self) -> None:
        """Create the private files if needed, connect, and apply pending migrations."""
        if self._writer is not None:
            return
        self._private_files()
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self.migrate()
        self._reader = self._writer if self.in_memory else await self._connect()
        if not self.in_memory:
            self._quick = sqlite3.connect(self.path, isolation_level=None)
            self._quick.row_factory = sqlite3.Row
            self._quick.execute("PRAGMA query_only=1")
            self._quick.execute(f"PRAGMA busy_timeout={QUICK_BUSY_MS}")
        self._private_files()

    def _private_files(self) -> None:
        """A new directory 0700 and a new database 0600; existing files of the database
        made private too (its WAL and shared-memory files inherit the database's mode)."""
        if self.in_memory:
            return
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=PRIVATE_DIR)
            folder.chmod(PRIVATE_DIR)  # mkdir's mode is masked by the umask
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{self.path}{suffix}")
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(PRIVATE_FILE)

    async def close(self) -> None:
        """Wait for the writer to be free, then close both connections."""
        if self._writer is None:
            return
        async with self._write_lock:
            for conn in {id(c): c for c in (self._reader, self._writer) if c}.values():
                await conn.close()
            if self._quick is not None:
                self._quick.close()
            self._writer = self._reader = self._quick = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _open_writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        """The connection for reads outside a transaction."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a read outside a transaction (the reader connection)."""
        return await SqliteConnection(self.reader).fetchall(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a read outside a transaction, or None."""
        return await SqliteConnection(self.reader).fetchone(sql, params)

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of a read by an index (a few rows, outside any transaction), answered
        in the event loop's thread: about 12 µs of CPU against 115 µs through aiosqlite's
        thread (docs/performance.md). Only for index lookups: the loop waits for it. When
        SQLite is busy (a checkpoint) it waits at most QUICK_BUSY_MS, then goes through
        aiosqlite like any read."""
        if self._quick is None:
            return await self.fetchall(sql, params)
        try:
            return self._quick.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return await self.fetchall(sql, params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """BEGIN IMMEDIATE … COMMIT on the writer. On any error or cancellation, the
        statement in flight ends, the transaction is rolled back and the writer freed,
        whatever happens to the caller meanwhile."""
        writer = self._open_writer()
        await self._write_lock.acquire()
        step: asyncio.Future[Any] | None = asyncio.ensure_future(self._begin(writer))
        try:
            await asyncio.shield(step)
            step = None
            yield SqliteConnection(writer)
            step = asyncio.ensure_future(writer.execute("COMMIT"))
            await asyncio.shield(step)
        except BaseException as exc:
            cleanup = asyncio.ensure_future(self._roll_back(writer, step))
            self._cleanups.add(cleanup)
            cleanup.add_done_callback(self._cleanups.discard)
            if not isinstance(exc, asyncio.CancelledError):  # a cancelled caller goes on
                await asyncio.shield(cleanup)
            raise
        self._write_lock.release()

    async def write_batch(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]
                          ) -> None:
        """Run each statement for each of its rows in ONE transaction, handed to the
        writer's thread in ONE call (BEGIN, the statements and COMMIT together: the
        persistence flush after every update, issue 16 item 3). A cancelled caller does not
        stop it: the batch ends (committed or rolled back) in the thread, before anything
        queued after it."""
        work = [(sql, [tuple(row) for row in rows]) for sql, rows in statements if rows]
        if not work:
            return
        writer = self._open_writer()
        async with self._write_lock:
            # aiosqlite runs a function in its thread through `_execute` (its own methods
            # are built on it); `_conn` is the sqlite3 connection of that thread.
            await asyncio.shield(writer._execute(_run_batch, writer, work))

    @staticmethod
    async def _begin(writer: aiosqlite.Connection) -> None:
        if writer.in_transaction:  # a rollback failed earlier: never build on its leftovers
            log.warning("the writer was left inside a transaction: rolling it back")
            await writer.execute("ROLLBACK")
        await writer.execute("BEGIN IMMEDIATE")

    async def _roll_back(self, writer: aiosqlite.Connection,
                         step: asyncio.Future[Any] | None) -> None:
        """Let the statement in flight end, roll back, free the writer."""
        try:
            if step is not None:
                with contextlib.suppress(BaseException):
                    await step
            try:
                await writer.execute("ROLLBACK")
            except sqlite3.Error as exc:
                if writer.in_transaction:  # tried again before the next BEGIN
                    log.warning("rollback failed: %s", exc)
        finally:
            self._write_lock.release()

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteConnection]:
        """A read transaction on a connection of its own (one consistent view)."""
        if self.in_memory:
            yield SqliteConnection(self._open_writer())
            return
        conn = await self._connect()
        try:
            await conn.execute("BEGIN")
            yield SqliteConnection(conn)
        finally:
            await conn.close()

    async def migrate(self) -> list[int]:
        """Apply every migration file not yet recorded in schema_version; return the new ones."""
        writer = self._open_writer()
        await writer.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in await writer.execute_fetchall("SELECT version FROM schema_version")}
        applied = []
        for number, path in migration_files(self.engine):
            if number in done:
                continue
            script = path.read_text(encoding="utf-8")
            now = dt.datetime.now(dt.UTC).isoformat()
            try:
                await writer.executescript(
                    "BEGIN;\n" + script + "\nINSERT INTO schema_version VALUES "
                    f"({number}, '{path.name}', '{now}');\nCOMMIT;"
                )
            except Exception:
                if writer.in_transaction:
                    await writer.execute("ROLLBACK")
                raise
            applied.append(number)
        return applied

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        row = await self.fetchone("SELECT MAX(version) FROM schema_version")
        return int(row[0] or 0) if row else 0

    async def tables(self) -> list[tuple[str, list[str]]]:
        """The schema's tables with their columns, referenced tables first."""
        names = [r[0] for r in await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            " AND name <> 'schema_version'")]
        columns, references = {}, {}
        for name in names:
            columns[name] = [r["name"] for r in await self.fetchall(f"PRAGMA table_info({name})")]
            references[name] = {r["table"] for r in
                                await self.fetchall(f"PRAGMA foreign_key_list({name})")}
        return dependency_order(columns, references)

    async def after_copy(self, conn: SqliteConnection) -> None:
        """Nothing to do: SQLite's row ids follow the largest id in the table."""


class SqliteStore(SqlStore):
    """The bot's store on a SQLite file (the embedded default)."""

    db: SqliteDatabase

    def __init__(self, path: Path | str) -> None:
        self.db = SqliteDatabase(path)
