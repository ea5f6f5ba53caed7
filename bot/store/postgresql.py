"""The PostgreSQL engine (asyncpg): a connection pool, numbered migrations, transactions.

Why asyncpg: it is the most used and best kept native asyncio driver for PostgreSQL
(binary protocol, prepared-statement cache, its own pool), it needs no thread per
connection, and it takes care of cancellation itself: a cancelled query is cancelled on
the server, and a connection that goes back to the pool inside a transaction, or broken,
is rolled back or replaced, so the bot recovers without help once a lock or an outage
is gone (issue 10, item 1). psycopg 3 would do as well; asyncpg is faster for the
short statements the bot makes.

Queries are the store's portable SQL: `?` placeholders become `$1, $2, …` here. What
only PostgreSQL needs lives in this module: `FOR UPDATE` row locks (SQLite locks the
whole database for a write), an advisory lock so two processes never migrate at once,
`COPY` for database copies and the identity counters after them. Every connection
waits at most LOCK_TIMEOUT for a lock (as SQLite's busy timeout), and the server ends a
session left idle inside a transaction (a frozen process) after IDLE_IN_TRANSACTION.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

import asyncpg

from bot.runtime.settings import without_password
from bot.store.base import SqlStore
from bot.store.engine import Row, dependency_order, migration_files

LOCK_TIMEOUT = "5s"
IDLE_IN_TRANSACTION = "60s"
MIGRATION_LOCK = 0x61626661  # "abfa": one migrating process at a time per database
POOL_MIN, POOL_MAX = 1, 10
# What a pool connection the server dropped while it sat idle (a restart, a killed
# backend, a network cut) raises on its next use; that use is tried once more on a
# new connection (nothing of it was done yet).
CONNECTION_LOST = (asyncpg.InterfaceError, asyncpg.InternalClientError,
                   asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                   OSError)


P = ParamSpec("P")
T = TypeVar("T")
# A parameter's value in asyncpg's message, a typed value in PostgreSQL's.
_CLIENT_VALUE = re.compile(r"^(invalid input for query argument \$\d+[^:]*): .* (\([^()]*\))$",
                           re.DOTALL)
_SERVER_VALUE = re.compile(r'(syntax for type [\w ]+: |value )"[^"]*"')


def private(call: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Errors without the data: PostgreSQL puts the failing row in an error's DETAIL and
    asyncpg a bad parameter's value in its message, and both would reach the logs with
    the traceback (phone numbers…). Keep the error and its message, drop the values
    (issue 10, item 20)."""

    @functools.wraps(call)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await call(*args, **kwargs)
        except asyncpg.PostgresError as exc:
            exc.detail = None
            if exc.args and isinstance(exc.args[0], str):
                text = _CLIENT_VALUE.sub(r"\1 \2", exc.args[0])
                exc.args = (_SERVER_VALUE.sub(r'\1"…"', text), *exc.args[1:])
            raise

    return wrapper


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (none inside quoted text)."""
    out, n, quote = [], 0, ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


def _rowcount(status: str) -> int:
    """The row count of a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgConnection:
    """The store's connection interface over an asyncpg connection."""

    for_update = " FOR UPDATE"

    @staticmethod
    def skip_locked(table: str) -> str:
        """Lock the rows of `table` (its name or alias) that the SELECT returns, skipping
        those another transaction holds."""
        return f" FOR UPDATE OF {table} SKIP LOCKED"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @private
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        return _rowcount(await self._conn.execute(numbered(sql), *params))

    @private
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters (one round trip)."""
        batch = [tuple(r) for r in rows]
        if batch:
            await self._conn.executemany(numbered(sql), batch)

    @private
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        return list(await self._conn.fetch(numbered(sql), *params))

    @private
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row, or None."""
        return await self._conn.fetchrow(numbered(sql), *params)

    @private
    async def copy_rows(self, table: str, columns: Sequence[str],
                        rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows with COPY."""
        await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def stream(self, sql: str, batch: int) -> AsyncIterator[list[Row]]:
        """The rows of a query in batches, through a server-side cursor."""
        cursor = await self._conn.cursor(numbered(sql))
        while rows := await cursor.fetch(batch):
            yield rows


class PostgresDatabase:
    """A PostgreSQL database (or one schema of it, through `search_path` in the URL)."""

    engine = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None

    @property
    def name(self) -> str:
        """The URL without its password."""
        return without_password(self.url)

    async def open(self) -> None:
        """Open the pool and apply pending migrations."""
        if self._pool is not None:
            return
        self._pool = await asyncpg.create_pool(
            self.url, min_size=POOL_MIN, max_size=POOL_MAX,
            server_settings={"lock_timeout": LOCK_TIMEOUT, "application_name": "abfa-bot",
                             "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION})
        try:
            await self.migrate()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the pool (waiting for connections in use to come back)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool."""
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    @private
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read outside any transaction (tried again once on a new
        connection when the pool's was dropped)."""
        for attempt in range(2):
            try:
                return list(await self.pool.fetch(numbered(sql), *params))
            except CONNECTION_LOST:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a read outside any transaction, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    def transaction(self) -> contextlib.AbstractAsyncContextManager[PgConnection]:
        """A transaction (READ COMMITTED; rows read to be changed are locked with
        `for_update`) on a connection of the pool; rolled back on any error or
        cancellation, and the connection reset or replaced before it is used again."""
        return self._transaction("read_committed", readonly=False)

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """An index read: the same as `fetchall` (asyncpg works in the loop's thread)."""
        return await self.fetchall(sql, params)

    async def write_batch(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]
                          ) -> None:
        """Run each statement for each of its rows in one transaction (asyncpg works in
        the loop's thread: there is no hand-off to save)."""
        work = [(sql, rows) for sql, rows in statements if rows]
        if not work:
            return
        async with self.transaction() as conn:
            for sql, rows in work:
                await conn.executemany(sql, rows)

    def snapshot(self) -> contextlib.AbstractAsyncContextManager[PgConnection]:
        """A read-only REPEATABLE READ transaction: one consistent view."""
        return self._transaction("repeatable_read", readonly=True)

    @contextlib.asynccontextmanager
    async def _transaction(self, isolation: str, readonly: bool) -> AsyncIterator[PgConnection]:
        conn, transaction = await self._begin(isolation, readonly)
        try:
            try:
                yield PgConnection(conn)
            except BaseException:
                with contextlib.suppress(Exception):  # else the server rolled back already
                    await transaction.rollback()
                raise
            await transaction.commit()
        finally:
            await self.pool.release(conn)

    async def _begin(self, isolation: str, readonly: bool
                     ) -> tuple[asyncpg.Connection, Any]:
        """A pool connection inside a new transaction; a connection found dropped is
        thrown away and the BEGIN tried again on a new one."""
        for attempt in range(2):
            conn = await self.pool.acquire()
            transaction = conn.transaction(isolation=isolation, readonly=readonly)
            try:
                await transaction.start()
                return conn, transaction
            except CONNECTION_LOST:
                conn.terminate()
                await self.pool.release(conn)
                if attempt:
                    raise
            except BaseException:
                await self.pool.release(conn)
                raise
        raise AssertionError("unreachable")

    async def migrate(self) -> list[int]:
        """Apply every migration not yet in schema_version, each in its own transaction,
        under an advisory lock (two processes starting at once migrate one after the other)."""
        applied = []
        async with self.pool.acquire() as conn:
            done: set[int] = set()
            if await conn.fetchval("SELECT to_regclass('schema_version')") is not None:
                done = {r[0] for r in await conn.fetch("SELECT version FROM schema_version")}
            for number, path in migration_files(self.engine):
                if number in done:
                    continue
                async with conn.transaction():
                    await conn.execute("SET LOCAL lock_timeout = 0")  # a long migration elsewhere
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
                    if await conn.fetchval("SELECT 1 FROM schema_version WHERE version=$1",
                                           number):
                        continue
                    await conn.execute(path.read_text(encoding="utf-8"))
                    await conn.execute("INSERT INTO schema_version VALUES ($1, $2, $3)", number,
                                       path.name, dt.datetime.now(dt.UTC).isoformat())
                applied.append(number)
        return applied

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        return int(await self.pool.fetchval("SELECT MAX(version) FROM schema_version") or 0)

    async def tables(self) -> list[tuple[str, list[str]]]:
        """The schema's tables with their columns, referenced tables first."""
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
            " ORDER BY table_name, ordinal_position")
        columns: dict[str, list[str]] = {}
        for row in rows:
            columns.setdefault(row[0], []).append(row[1])
        references: dict[str, set[str]] = {}
        for row in await self.fetchall(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text"
                " FROM pg_constraint c WHERE c.contype = 'f'"
                " AND c.connamespace = current_schema()::regnamespace"):
            references.setdefault(row[0], set()).add(row[1])
        return dependency_order(columns, references)

    async def after_copy(self, conn: PgConnection) -> None:
        """Move each identity counter past the largest id copied into its table."""
        for table, column in [tuple(r) for r in await conn.fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'")]:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)")


class PostgresStore(SqlStore):
    """The bot's store on PostgreSQL (for more than one machine)."""

    db: PostgresDatabase

    def __init__(self, url: str) -> None:
        self.db = PostgresDatabase(url)
