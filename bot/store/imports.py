"""Staged imports: a file's rows go to a staging table in short batches, are checked there
with set-based queries, and are copied into their table in short batches (migration 014).

No step holds the writer for more than one batch, and memory holds one batch, whatever
the file's size (issue 16, items 1 and 2). The importer (bot/tools/importer.py) decides
what is valid and what is kept; this module only stores, checks and copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.store.core import SUBSCRIBER_COLUMNS, _sql_value
from bot.store.engine import Database
from bot.text.fmt import now_utc

STAGE_BATCH = 2_000  # rows per staging, copying or clearing transaction
_KEYS = ("subscription_number", "bill_id")


class ImportQueries:
    """Stage, check, copy and clear an import of subscribers."""

    db: Database

    async def stage_subscribers(self, run: str,
                                rows: Sequence[tuple[int, bool, Mapping[str, Any]]]) -> None:
        """Stage (line, valid, values) rows of an import in one short transaction; a row
        that failed its own checks is staged with what could be read of its keys."""
        columns = ("run", "line", "ok", *SUBSCRIBER_COLUMNS)
        values = [(run, line, int(valid),
                   *(_sql_value(row.get(col), col) for col in SUBSCRIBER_COLUMNS))
                  for line, valid, row in rows]
        async with self.db.transaction() as conn:
            await conn.copy_rows("import_subscribers", columns, values)

    async def staged_subscriber_problems(self, run: str) -> list[tuple[int, str, int | None]]:
        """(line, key column, earlier line) of every staged row whose subscription number or
        bill ID repeats an earlier line of the file, and (line, key column, None) of every
        row whose key is already on file; in line order."""
        found: list[tuple[int, str, int | None]] = []
        for key in _KEYS:
            # the keys seen twice (one pass over the key's index), then their later lines;
            # `+a.line` keeps the planner on the key's index (else: a scan per key)
            found += [(int(r[0]), key, int(r[1])) for r in await self.db.fetchall(
                f"SELECT a.line, f.first FROM (SELECT {key} AS k, MIN(line) AS first"
                f" FROM import_subscribers WHERE run = ? AND {key} IS NOT NULL GROUP BY {key}"
                f" HAVING COUNT(*) > 1) f JOIN import_subscribers a ON a.run = ?"
                f" AND a.{key} = f.k AND +a.line > f.first", (run, run))]
            found += [(int(r[0]), key, None) for r in await self.db.fetchall(
                f"SELECT a.line FROM import_subscribers a JOIN subscribers s"
                f" ON s.{key} = a.{key} WHERE a.run = ?", (run,))]
        order = {key: i for i, key in enumerate(_KEYS)}
        return sorted(found, key=lambda p: (p[0], order[p[1]], p[2] is None))

    async def reject_staged(self, run: str, lines: Sequence[int]) -> None:
        """Keep these staged lines out of the copy, a batch per transaction."""
        for start in range(0, len(lines), STAGE_BATCH):
            async with self.db.transaction() as conn:
                await conn.executemany(
                    "UPDATE import_subscribers SET ok=0 WHERE run=? AND line=?",
                    [(run, line) for line in lines[start:start + STAGE_BATCH]])

    async def _batch_end(self, run: str, after: int) -> int | None:
        """The last line of the next batch after `after`, or None for the rest."""
        row = await self.db.fetchone(
            "SELECT line FROM import_subscribers WHERE run=? AND line>? ORDER BY line"
            " LIMIT 1 OFFSET ?", (run, after, STAGE_BATCH - 1))
        return int(row[0]) if row else None

    async def copy_staged_subscribers(self, run: str) -> int:
        """Copy the valid staged rows into subscribers, in file order, a batch per short
        transaction; how many were copied."""
        columns = ", ".join(SUBSCRIBER_COLUMNS)
        copied, after, now = 0, 0, now_utc().isoformat()
        while True:
            end = await self._batch_end(run, after)
            bound = " AND line<=?" if end is not None else ""
            params = (now, run, after, *(() if end is None else (end,)))
            async with self.db.transaction() as conn:
                copied += await conn.execute(
                    f"INSERT INTO subscribers ({columns}, created_at) SELECT {columns}, ?"
                    f" FROM import_subscribers WHERE run=? AND ok=1 AND line>?{bound}"
                    " ORDER BY line", params)
            if end is None:
                return copied
            after = end

    async def clear_staged(self, run: str) -> None:
        """Delete a run's staged rows, a batch per short transaction."""
        while True:
            end = await self._batch_end(run, 0)
            async with self.db.transaction() as conn:
                if end is None:
                    await conn.execute("DELETE FROM import_subscribers WHERE run=?", (run,))
                    return
                await conn.execute("DELETE FROM import_subscribers WHERE run=? AND line<=?",
                                   (run, end))
