"""What the store's queries need of a database engine (SQLite or PostgreSQL).

Only modules of bot/store/ use this. Queries are written once, in portable SQL with `?`
placeholders (the PostgreSQL engine numbers them), `RETURNING` for new ids and
`ON CONFLICT` for upserts; the little that differs between the engines (a row lock,
bulk copies, the catalog) lives in the engine's own module.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

# A result row: columns by name (`row["code"]`) and by position (`row[0]`), `keys()`,
# and `dict(row)`; sqlite3.Row and asyncpg.Record both behave so.
Row = Any

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class Reader(Protocol):
    """Anything that answers queries: a database outside transactions, or a connection."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query (or of a statement with RETURNING)."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row, or None."""
        ...


class Connection(Reader, Protocol):
    """One connection inside a transaction (or a read snapshot)."""

    for_update: str  # appended to a SELECT that must lock its rows until the commit

    def skip_locked(self, table: str) -> str:
        """Appended to a SELECT whose rows of `table` (a name or alias) the transaction
        will change: lock them, skipping rows other transactions hold (PostgreSQL's
        `FOR UPDATE … SKIP LOCKED`; nothing on SQLite, whose writer is alone)."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    async def copy_rows(self, table: str, columns: Sequence[str],
                        rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows of a table as fast as the engine can (database copies)."""
        ...

    def stream(self, sql: str, batch: int) -> AsyncIterator[list[Row]]:
        """The rows of a query in batches, without holding them all in memory."""
        ...


class Database(Reader, Protocol):
    """An engine: connections, migrations, transactions and reads (outside any
    transaction, through `fetchall` and `fetchone`)."""

    engine: str  # "sqlite" or "postgresql"

    @property
    def name(self) -> str:
        """The database as shown to people: a path, or a URL without its password."""
        ...

    async def open(self) -> None:
        """Connect (idempotent) and apply pending migrations."""
        ...

    async def close(self) -> None:
        """Disconnect; `open()` may be called again."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error
        or cancellation; the connection is never left inside it."""
        ...

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of a read by an index (a few rows), by the engine's cheapest path
        (SQLite: in the loop's thread); the same as `fetchall` otherwise."""
        ...

    async def write_batch(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]
                          ) -> None:
        """Run each statement for each of its rows, in ONE transaction and as few round
        trips as the engine allows (SQLite: one hand-off to the writer's thread)."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Connection]:
        """A read-only transaction: every query in it sees the same moment."""
        ...

    async def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; return their numbers."""
        ...

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        ...

    async def tables(self) -> list[tuple[str, list[str]]]:
        """Every table of the schema but schema_version, with its columns, in an order where
        a table comes after the tables its foreign keys point to."""
        ...

    async def after_copy(self, conn: Connection) -> None:
        """Bring the engine's own counters up to copied rows (PostgreSQL identities)."""
        ...


def migration_files(engine: str, folder: Path | None = None) -> list[tuple[int, Path]]:
    """The numbered migration files of an engine, in order (migrations/<engine>/NNN_name.sql).
    A badly named file, two files with one number, or a file left directly in
    migrations/ (where it would apply to neither engine) is an error."""
    if folder is None:
        stray = sorted(p.name for p in MIGRATIONS.glob("*.sql"))
        if stray:
            raise ValueError(f"migrations belong in {MIGRATIONS}/sqlite/ and /postgresql/ "
                             f"(same number in both): {', '.join(stray)}")
        folder = MIGRATIONS / engine
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


def dependency_order(tables: dict[str, list[str]], references: dict[str, set[str]]
                     ) -> list[tuple[str, list[str]]]:
    """Tables (name → columns) ordered so each comes after those it references."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for parent in sorted(references.get(name, ())):
            if parent in tables and parent != name:
                visit(parent)
        ordered.append(name)

    for name in sorted(tables):
        visit(name)
    return [(name, tables[name]) for name in ordered]

