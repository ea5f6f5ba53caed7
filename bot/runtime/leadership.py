"""Leader and standby: only the process holding the database's leader lock runs the bot.

`python -m bot run` builds its application, then waits here until it holds the leader
lock (bot/store/leadership.py): on PostgreSQL an advisory lock on a connection of its
own, on SQLite a file lock. A standby says so once in the log and tries again every
RETRY seconds. Once it leads, PTB's start-up loads the conversation state from the
database, polling starts after the last update handled (bot/runtime/app.py) and the notifier
and jobs start; the other processes keep waiting.

A leader checks its lock every CHECK seconds. If the lock's connection is gone, another
process may take the lock at any moment, so this one must not do anything more: it
exits at once (os._exit, exit status LOST_LEADERSHIP) and its supervisor (systemd,
the Procfile's runner) starts it again as a standby. A new leader waits the lock's
`wait_after_taking` before it starts, enough for a leader whose lock session was cut
to notice and exit: there is never a moment with two leaders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time

from bot.store.leadership import LeaderLock, LeaderLockError

log = logging.getLogger(__name__)

RETRY = 1.0  # seconds between a standby's tries
CHECK = 1.0  # seconds between a leader's checks of its lock
LOST_LEADERSHIP = 75  # exit status of a leader that lost its lock (EX_TEMPFAIL: start again)


async def take_leadership(lock: LeaderLock, retry: float = RETRY) -> bool:
    """Wait until this process holds the lock; False when told to stop (SIGTERM/SIGINT)
    while it waited."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        said = ""
        waited_since: float | None = None
        while not stop.is_set():
            try:
                if await lock.try_acquire():
                    break
                why = "another bot process is the leader"
            except LeaderLockError as exc:
                why = f"the database cannot be reached ({exc})"
            if why != said:
                log.info("standing by: %s; trying again every %.0f s", why, retry)
                said = why
            waited_since = waited_since or time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry)
        else:
            await lock.release()
            log.info("stopped while standing by")
            return False
        if lock.wait_after_taking:
            await asyncio.sleep(lock.wait_after_taking)
        waited = f" after standing by {time.monotonic() - waited_since:.1f} s" \
            if waited_since else ""
        log.info("leading now (pid %d, lock on %s)%s", os.getpid(), lock.name, waited)
        return True
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def watch(lock: LeaderLock, every: float = CHECK) -> None:
    """Check the lock every `every` seconds for as long as the process leads; exit the
    process at once when it is lost."""
    while True:
        await asyncio.sleep(every)
        if not await lock.check():
            lost()


def lost() -> None:
    """The lock is lost: stop leading at once (no shutdown: that would still act)."""
    log.error("the leader lock's database connection is gone: exiting at once so that "
              "another process can lead; this one starts again as a standby")
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    os._exit(LOST_LEADERSHIP)
