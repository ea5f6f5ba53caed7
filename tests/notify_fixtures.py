"""Helpers for the notifier tests: a fake clock, outbox filling, a notifier over the app."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
from typing import Any

from bot.notify.notifier import Notifier
from bot.store import SqliteStore
from bot.text.fmt import digits, now_utc


class FakeClock:
    """Monotonic and wall clocks that move only when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []
        self.start = now_utc() + dt.timedelta(seconds=1)

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        """Advance time instead of waiting."""
        self.slept.append(seconds)
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)

    def wall(self) -> dt.datetime:
        """The wall clock matching the fake monotonic time."""
        return self.start + dt.timedelta(seconds=self.t)


class VirtualClock:
    """Virtual time for tasks that wait only on it (no I/O): a sleeping task wakes when the
    time reaches its wake-up, and time jumps to the next wake-up once every task sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        """Wait until the virtual time has moved on by `seconds`."""
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *coroutines: Any) -> None:
        """Run the coroutines to their end, moving the time whenever all of them sleep."""
        tasks = [asyncio.create_task(c) for c in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._sleepers:
                wake, _, future = heapq.heappop(self._sleepers)
                self.t = max(self.t, wake)
                future.set_result(None)
        for task in tasks:
            task.result()


def fake_notifier(bot: Any, store: SqliteStore, clock: FakeClock, **kwargs: Any) -> Notifier:
    """A notifier at Telegram's limits whose sleeping only moves the fake clock."""
    options: dict[str, Any] = {"per_second": 30, "per_chat_second": 1}
    options.update(kwargs)
    return Notifier(bot, store, clock=clock, sleep=clock.sleep, wall=clock.wall, **options)


async def fill_outbox(store: SqliteStore, chats: list[int], text: str = "پیام {n}",
                      markup: dict | None = None) -> list[int]:
    """One message per entry of `chats` (repeat a chat for several), in one transaction."""
    ids = []
    async with store.unit() as uow:
        for n, chat_id in enumerate(chats):
            row = await uow.enqueue(chat_id=chat_id, kind="test", text=text.format(n=digits(n)),
                                    reply_markup=markup)
            assert row is not None
            ids.append(row)
    return ids


def flood(retry_after: int = 1) -> tuple[int, dict[str, Any]]:
    """The Bot API's flood answer."""
    return 429, {"ok": False, "error_code": 429,
                 "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}}


def blocked() -> tuple[int, dict[str, Any]]:
    """The Bot API's answer when the user blocked the bot."""
    return 403, {"ok": False, "error_code": 403,
                 "description": "Forbidden: bot was blocked by the user"}


def chat_not_found() -> tuple[int, dict[str, Any]]:
    """The Bot API's answer for a deleted chat."""
    return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
