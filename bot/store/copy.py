"""Copy a whole database between engines (SQLite → PostgreSQL and back), checked.

Both stores are opened first, so both are migrated to the code's schema; the copy then
refuses when their schema versions or tables differ, and refuses a target that holds any
row unless told to overwrite it (then its rows are deleted in the same transaction). The
source is read in one snapshot, table by table (a table after the tables it references),
and written in ONE target transaction, so a failed copy leaves the target as it was.
Each table is then checked: its row count, and a checksum of its rows that does not
depend on their order (the sum of a SHA-256 per row), computed on the source rows as
they were copied and on the target rows as committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.store.base import SqlStore
from bot.store.engine import Connection

BATCH = 5000
_MODULUS = 1 << 256


class CopyError(RuntimeError):
    """The copy was refused or could not be made; the message says why."""


@dataclass
class TableSum:
    """The row count and order-independent checksum of a table's rows."""

    rows: int = 0
    total: int = 0

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Count and fold in some rows."""
        for row in rows:
            self.rows += 1
            digest = hashlib.sha256("\x1f".join(map(_canonical, row)).encode()).digest()
            self.total = (self.total + int.from_bytes(digest, "big")) % _MODULUS

    @property
    def checksum(self) -> str:
        """The checksum as 16 hex digits."""
        return f"{self.total:064x}"[:16]


def _canonical(value: Any) -> str:
    """A value as text that is the same whichever engine it came from."""
    if value is None:
        return "N"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"b{bytes(value).hex()}"
    return f"s{value}"


@dataclass
class CopyReport:
    """What was copied: per table, the source's and the target's sums."""

    tables: list[tuple[str, TableSum, TableSum]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every table has the same row count and checksum on both sides."""
        return all((s.rows, s.total) == (t.rows, t.total) for _, s, t in self.tables)

    def lines(self) -> list[str]:
        """One line per table: name, rows, checksum, and whether the target matches."""
        out = []
        for name, source, target in self.tables:
            same = (source.rows, source.total) == (target.rows, target.total)
            verdict = "ok" if same else (
                f"MISMATCH: target has {target.rows} rows, checksum {target.checksum}")
            out.append(f"{name:<20} {source.rows:>10} rows  {source.checksum}  {verdict}")
        return out


def _select(table: str, columns: Sequence[str]) -> str:
    return f"SELECT {', '.join(columns)} FROM {table}"


async def table_sums(store: SqlStore) -> dict[str, TableSum]:
    """Row count and checksum of every table of a store (in one snapshot)."""
    sums: dict[str, TableSum] = {}
    async with store.db.snapshot() as conn:
        for table, columns in await store.db.tables():
            sums[table] = await _sum(conn, table, sorted(columns))
    return sums


async def _sum(conn: Connection, table: str, columns: Sequence[str]) -> TableSum:
    found = TableSum()
    async for rows in conn.stream(_select(table, columns), BATCH):
        found.add(rows)
    return found


async def _row_counts(store: SqlStore) -> dict[str, int]:
    counts = {}
    for table, _ in await store.db.tables():
        row = await store.db.fetchone(f"SELECT COUNT(*) FROM {table}")
        counts[table] = int(row[0]) if row else 0
    return counts


async def copy_database(source: SqlStore, target: SqlStore, *, overwrite: bool = False,
                        batch: int = BATCH) -> CopyReport:
    """Copy every row of `source` into `target` (both open) and check the result."""
    if source.name == target.name:
        raise CopyError("the source and the target are the same database")
    versions = await source.schema_version(), await target.schema_version()
    if versions[0] != versions[1]:
        raise CopyError(f"schema versions differ: source {versions[0]}, target {versions[1]}")
    tables = await source.db.tables()
    target_tables = {name: sorted(columns) for name, columns in await target.db.tables()}
    if {name: sorted(columns) for name, columns in tables} != target_tables:
        raise CopyError("the two databases do not have the same tables and columns")
    occupied = {t: n for t, n in (await _row_counts(target)).items() if n}
    if occupied and not overwrite:
        shown = ", ".join(f"{t} ({n} rows)" for t, n in sorted(occupied.items()))
        raise CopyError(f"the target is not empty: {shown}; use --overwrite to replace it")
    report = CopyReport()
    sums: dict[str, TableSum] = {}
    async with source.db.snapshot() as reader, target.db.transaction() as writer:
        for table, _ in reversed(tables):
            await writer.execute(f"DELETE FROM {table}")
        for table, columns in tables:
            order = sorted(columns)
            sums[table] = TableSum()
            async for rows in reader.stream(_select(table, order), batch):
                values = [tuple(row) for row in rows]
                sums[table].add(values)
                await writer.copy_rows(table, order, values)
        await target.db.after_copy(writer)
    copied = await table_sums(target)
    report.tables = [(table, sums[table], copied[table]) for table, _ in sorted(tables)]
    return report
