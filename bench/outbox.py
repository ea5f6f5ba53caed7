"""Outbox delivery rate: drain N notifications through a fake Bot API that enforces a limit.

The fake API accepts at most `--limit` sendMessage calls in any sliding second and answers
a flood error (HTTP 429, retry after 1 s) beyond it, as Telegram does. Meanwhile a
"user" writes to the store every 100 ms, to show that a broadcast does not hold up
handlers. `--database` is a SQLite path or a `postgresql://` URL (bot.store.open_store;
default: a new SQLite file in a temporary folder); the run's dedupe keys are its own, so a
database can take several runs. Run by hand (not in CI):

    .venv/bin/python -m bench.outbox --messages 3000 --limit 30 [--database postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot

from bot.notify.notifier import Notifier
from bot.runtime.app import DEMO_TOKEN
from bot.store import Store, open_store
from bot.tools.simulator import ApiCall, FakeBotAPI


class LimitedAPI:
    """A responder that answers 429 beyond `limit` messages in any sliding second."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: collections.deque[float] = collections.deque()
        self.floods = 0

    def __call__(self, call: ApiCall) -> tuple[int, dict[str, Any]] | None:
        if call.method != "sendMessage":
            return None
        now = time.monotonic()
        while self.accepted and now - self.accepted[0] >= 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            self.floods += 1
            return 429, {"ok": False, "error_code": 429,
                         "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}
        self.accepted.append(now)
        return None


async def user_writes(store: Store, stop: asyncio.Event, latencies: list[float]) -> None:
    """A handler's write every 100 ms while the broadcast runs; record how long each took."""
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        await store.upsert_chat(10_000_000 + n, None, "کاربر", None)
        latencies.append(time.perf_counter() - started)
        n += 1
        await asyncio.sleep(0.1)


async def bench(messages: int, limit: int, database: str | Path) -> dict[str, float]:
    """Fill the outbox, drain it, and measure."""
    store = await open_store(database)
    run = time.time_ns()  # this run's dedupe keys: an earlier run's do not skip them
    async with store.unit() as uow:
        await uow.enqueue_many(kind="outage", text="مشترک گرامی، آزمون سرعت ارسال. آبفا",
                               chats=[(1_000_000 + i, f"bench:{run}:{i}")
                                      for i in range(messages)])
    limiter = LimitedAPI(limit)
    api = FakeBotAPI(limiter)
    api.record = False
    bot = ExtBot(DEMO_TOKEN, request=api, get_updates_request=api)
    await bot.initialize()
    notifier = Notifier(bot, store, per_second=limit, per_chat_second=1)
    stop, latencies = asyncio.Event(), []
    writer = asyncio.create_task(user_writes(store, stop, latencies))
    started = time.perf_counter()
    report = await notifier.drain()
    elapsed = time.perf_counter() - started
    stop.set()
    await writer
    counts = await store.outbox_counts()
    await bot.shutdown()
    await store.close()
    return {"messages": messages, "sent": report.sent, "pending": counts.pending,
            "seconds": elapsed, "rate": report.sent / elapsed,
            "share_of_limit": report.sent / elapsed / limit, "floods": limiter.floods,
            "write_p50_ms": statistics.median(latencies) * 1000,
            "write_max_ms": max(latencies) * 1000}


def main() -> None:
    """Parse arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=30, help="messages per second allowed")
    parser.add_argument("--database", default=None,
                        help="a SQLite path or a postgresql:// URL (default: a temporary "
                             "SQLite file)")
    args = parser.parse_args()
    if args.database:
        result = asyncio.run(bench(args.messages, args.limit, args.database))
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(bench(args.messages, args.limit,
                                       Path(folder) / "bench.sqlite3"))
    print(f"sent {result['sent']:.0f}/{result['messages']:.0f} in {result['seconds']:.1f} s: "
          f"{result['rate']:.2f} msg/s = {result['share_of_limit']:.1%} of the {args.limit}/s "
          f"limit; flood errors: {result['floods']:.0f}; still pending: {result['pending']:.0f}")
    print(f"a handler's write during the broadcast: median {result['write_p50_ms']:.1f} ms, "
          f"max {result['write_max_ms']:.1f} ms")


if __name__ == "__main__":
    main()
