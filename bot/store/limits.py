"""Lookup limits kept in the database, so they hold across processes and restarts.

One row per (kind, subject) — e.g. ("number", user id) — holding the GCRA "theoretical
arrival time" (`tat`, milliseconds since the epoch): a bucket of `limit` lookups that
refills one lookup every `window / limit`. A row whose `tat` has passed is a full bucket,
the same as no row, and is deleted by the next lookup of anyone: the table holds only
the subjects active in the last window, whatever the number of users.
"""

from __future__ import annotations

import math
import time

from bot.store.engine import Database

_TAKE = (
    "INSERT INTO lookup_limits (kind, subject, tat) VALUES (?, ?, ?) "
    "ON CONFLICT (kind, subject) DO UPDATE SET tat = "
    "(CASE WHEN lookup_limits.tat > ? THEN lookup_limits.tat ELSE ? END) + ? "
    "WHERE lookup_limits.tat - ? <= ? RETURNING tat"
)


class LimitQueries:
    """The lookup limits (portable SQL, both engines). On PostgreSQL the upsert takes the
    row's lock and checks the bucket on the row as committed, so two processes counting
    one subject at once are counted one after the other; the clean-up skips rows another
    lookup holds (SKIP LOCKED), so lookups never wait on each other's clean-up."""

    db: Database

    async def take_lookup(self, kind: str, subject: int, limit: int, window: float = 60.0,
                          now: float | None = None) -> int:
        """Count one lookup of `subject`: 0 when allowed (and counted), else the whole
        seconds until one is allowed (nothing counted)."""
        moment = int((time.time() if now is None else now) * 1000)
        interval = max(1, int(window * 1000 / limit))
        tolerance = interval * (limit - 1)
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM lookup_limits WHERE (kind, subject) IN (SELECT kind, subject"
                f" FROM lookup_limits WHERE tat < ?{conn.skip_locked('lookup_limits')})",
                (moment,))
            taken = await conn.fetchone(_TAKE, (kind, subject, moment + interval, moment,
                                                moment, interval, moment, tolerance))
            if taken is not None:
                return 0
            row = await conn.fetchone(
                "SELECT tat FROM lookup_limits WHERE kind=? AND subject=?", (kind, subject))
        due = int(row[0]) - tolerance - moment if row else 0
        return max(1, math.ceil(due / 1000))

    async def lookup_subjects(self) -> int:
        """How many buckets are not full (kept rows); for tests and the ops view."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM lookup_limits")
        return int(row[0]) if row else 0
