"""Memory: resident memory of the bot with 10,000 users in the middle of conversations.

The real Application (over bot.tools.simulator.FakeBotAPI, which keeps no call history here) on
a demo database; each user stops half-way through one flow: a bill lookup waiting for the
subscription number, a service request at its reason or location step, a tariff
calculation at its city step, adding a subscription. Resident memory (VmRSS) is read
after start-up and after the users, with the conversation states and drafts counted to
show they are all held.

    .venv/bin/python -m bench.memory --users 10000
    .venv/bin/python -m bench.memory --users 10000 --stored 1000000

With `--stored`, a fresh database first gets that many idle users stored the way the bot
stored them before (an empty user_data row each), and after the 10,000 users a fresh
Application is started on it: its start-up time and memory (issue 16, item 5).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import pickle
import random
import time
from pathlib import Path

from bench.data import OUT
from bot.runtime.app import build_application
from bot.runtime.conversations import conversation_handlers
from bot.runtime.settings import load_settings
from bot.store import SqliteStore
from bot.text.i18n import t
from bot.tools.demo_data import generate
from bot.tools.simulator import FakeBotAPI, SimUser

DATABASE = OUT / "memory.sqlite3"


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def half_way(user: SimUser, kind: int, number: str) -> None:
    """Take the user half-way through one flow."""
    if kind == 0:
        await user.send(t("menu.bills"))
    elif kind == 1:
        await user.press("svc:start:extra_siphon")
        await user.send(number)
    elif kind == 2:
        await user.send("/calc")
        data = [d for c in user.replies for row in c.inline for _, d in row]
        if data:
            await user.press(data[0])
    else:
        await user.send(t("menu.subscriptions"))
        await user.send(t("subs.button_add"))


async def store_idle_users(store: SqliteStore, count: int) -> None:
    """`count` users who once wrote and have nothing in progress, stored as the bot stored
    them before issue 16 (an empty user_data row each); the bot today stores none."""
    empty = pickle.dumps({}, pickle.HIGHEST_PROTOCOL)
    for start in range(0, count, 10_000):
        await store.save_ptb_state(("user_data", (1_000_000_000 + n,), empty)
                                   for n in range(start, min(start + 10_000, count)))


async def restart(store: SqliteStore) -> dict[str, float]:
    """A fresh Application on the same store: start-up time and memory after it."""
    api = FakeBotAPI()
    app = build_application(load_settings(database=DATABASE), store, request=api)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    await app.initialize()
    seconds = time.perf_counter() - started
    gc.collect()
    figures = {"restart_seconds": round(seconds, 2), "rss_after_restart_mb": round(rss_mb(), 1),
               "restart_rss_growth_mb": round(rss_mb() - before, 1),
               "conversations_loaded": sum(
                   1 for conv in conversation_handlers(app) for state in
                   conv._conversations.values() if state is not None),
               "user_data_loaded": len(app.user_data)}
    await app.shutdown()
    return figures


async def run(users: int, stored: int) -> dict[str, float]:
    """Start the bot, measure, add the users, measure again; with `stored`, also store as
    many idle users and measure a restart (issue 16, item 5)."""
    OUT.mkdir(exist_ok=True)
    if stored:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    store = await SqliteStore(DATABASE).open()
    if stored:
        await store_idle_users(store, stored)
    if await store.subscribers_count() < 2000:
        await generate(store, 2000, seed=3, periods=2)
    numbers = [s.subscription_number for s in await store.sample_subscribers(10**7)]
    api = FakeBotAPI()
    app = build_application(load_settings(database=DATABASE), store, request=api)
    await app.initialize()
    gc.collect()
    before = rss_mb()
    rng = random.Random(1)
    started = time.perf_counter()
    first = 4_000_000_000 + int(time.time()) % 10**6 * 100_000
    for n in range(users):
        await half_way(SimUser(app, api, first + n), n % 4, rng.choice(numbers))
        api.calls.clear()
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    states = sum(1 for conv in conversation_handlers(app) for key, state in
                 conv._conversations.items() if state is not None and key[-1] >= first)
    drafts = sum(1 for uid, data in app.user_data.items() if uid >= first and data)
    await app.shutdown()
    figures = await restart(store) if stored else {}
    await store.close()
    return figures | {"users": users, "stored_idle_users": stored,
            "rss_after_start_mb": round(before, 1),
            "rss_with_users_mb": round(after, 1),
            "kb_per_user": round((after - before) * 1024 / users, 1),
            "active_conversations": states, "users_with_drafts": drafts,
            "seconds": round(seconds, 1)}


def main() -> None:
    """Print the figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--stored", type=int, default=0,
                        help="idle users stored before, then a restart is measured")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.users, args.stored)) | {
        "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
