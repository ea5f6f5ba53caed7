"""Leader and standby: the leader lock, the updates already handled and the jobs already run.

Several `python -m bot run` on one PostgreSQL database elect one leader: the process that
holds a session-level advisory lock on a connection of its own (not one of the pool's).
The server releases the lock the moment that session ends — the process killed, its
machine gone (TCP keepalives end the session within seconds), or the connection cut —
and a standby that tries again takes it. On SQLite (one machine) the lock is an exclusive
`flock` on `<database>.leader` next to the database file, released by the kernel when the
process dies: a second process on the same file waits instead of polling beside the first.

What a new leader must not repeat is in the database: `handled_updates` (written in the
transaction that saves the state the update produced, bot/store/ptb_state.py) and
`job_runs` (a scheduled job's slot, written when the run finished).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Any

from bot.store.engine import Database
from bot.text.fmt import now_utc

MEMORY = ":memory:"
KEEP_HANDLED = 10_000  # handled update ids kept below the newest (pruned as new ones come)
PRUNE_EVERY = 500
CHECK_TIMEOUT = 1.5  # seconds a keepalive query may take before the lock counts as lost
# The lock's key: one per database *and schema* (tests run side by side in schemas).
_PG_KEY = "hashtextextended('abfa-bot leader:' || current_schema(), 0)"
# The lock's connection: the server ends a session whose peer vanished (power cut,
# network cut) after about 5 + 3 x 1 seconds of silence, releasing the lock.
_PG_KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "1",
                 "tcp_keepalives_count": "3", "application_name": "abfa-bot leader"}


class LeaderLockError(Exception):
    """The lock could not be asked for (the database is unreachable); try again later."""


class PostgresLeaderLock:
    """A session-level advisory lock on a dedicated PostgreSQL connection."""

    wait_after_taking = 2.0  # a leader whose lock session was cut notices within this

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._conn: Any = None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another process does."""
        import asyncpg

        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self.url, timeout=5,
                                                   server_settings=_PG_KEEPALIVE)
            return bool(await self._conn.fetchval(f"SELECT pg_try_advisory_lock({_PG_KEY})",
                                                  timeout=5))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self._drop()
            raise LeaderLockError(type(exc).__name__) from None

    async def check(self) -> bool:
        """Whether the lock's session is still alive (so the lock still held)."""
        if self._conn is None or self._conn.is_closed():
            return False
        try:
            return await self._conn.fetchval("SELECT 1", timeout=CHECK_TIMEOUT) == 1
        except Exception:  # whatever broke, the lock can no longer be trusted
            return False

    async def release(self) -> None:
        """Close the lock's session (the server releases the lock with it)."""
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
            if not conn.is_closed():
                conn.terminate()


class FileLeaderLock:
    """An exclusive `flock` on `<database>.leader` (SQLite: processes of one machine)."""

    wait_after_taking = 0.0  # the kernel releases the lock only when the holder is gone

    def __init__(self, database: str) -> None:
        self.name = database
        self.path = None if database == MEMORY else Path(f"{database}.leader")
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        """Take the lock if no other process holds it (a private in-memory database
        belongs to its one process)."""
        if self.path is None:
            return True
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise LeaderLockError(exc.strerror or type(exc).__name__) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def check(self) -> bool:
        """A held flock cannot be lost while the process lives."""
        return True

    async def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


LeaderLock = PostgresLeaderLock | FileLeaderLock


class LeadershipQueries:
    """Updates handled and jobs run, for a leader that takes over."""

    db: Database

    def leader_lock(self) -> LeaderLock:
        """The (not yet taken) lock that elects this database's leader."""
        if self.db.engine == "postgresql":
            from bot.store.postgresql import PostgresDatabase

            assert isinstance(self.db, PostgresDatabase)
            return PostgresLeaderLock(self.db.url, self.db.name)
        return FileLeaderLock(self.db.name)

    async def last_handled_update(self) -> int:
        """The highest update id whose handling was committed (0: none yet)."""
        row = await self.db.fetchone("SELECT MAX(update_id) FROM handled_updates")
        return int(row[0] or 0) if row else 0

    async def update_handled(self, update_id: int) -> bool:
        """Whether this update's handling was committed (by this or an earlier leader)."""
        return await self.db.fetchone(
            "SELECT 1 FROM handled_updates WHERE update_id=?", (update_id,)) is not None

    async def job_ran(self, name: str, slot: str) -> bool:
        """Whether the job `name` finished its run for `slot` (a day, an hour)."""
        return await self.db.fetchone(
            "SELECT 1 FROM job_runs WHERE name=? AND slot=?", (name, slot)) is not None

    async def record_job_run(self, name: str, slot: str) -> bool:
        """Record that the job finished its run for `slot`; False when one already had."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                "INSERT INTO job_runs (name, slot, finished_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name, slot) DO NOTHING",
                (name, slot, now_utc().isoformat())) == 1


def handled_statements(update_ids: list[int]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The writes that record these updates as handled (for `Database.write_batch`, in the
    transaction of the state they produced); old ids are pruned now and then."""
    now = now_utc().isoformat()
    statements: list[tuple[str, list[tuple[Any, ...]]]] = [(
        "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
        " ON CONFLICT (update_id) DO NOTHING", [(u, now) for u in update_ids])]
    if any(u % PRUNE_EVERY == 0 for u in update_ids):
        statements.append(("DELETE FROM handled_updates WHERE update_id < ?",
                           [(max(update_ids) - KEEP_HANDLED,)]))
    return statements
