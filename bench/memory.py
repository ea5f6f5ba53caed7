"""Memory: resident memory of the bot with 10,000 users in the middle of conversations.

The real Application (over bot.tools.simulator.FakeBotAPI, which keeps no call history here) on
a demo database; each user stops half-way through one flow: a bill lookup waiting for the
subscription number, a service request at its reason or location step, a tariff
calculation at its city step, adding a subscription. Resident memory (VmRSS) is read
after start-up and after the users, with the conversation states and drafts counted to
show they are all held.

    .venv/bin/python -m bench.memory --users 10000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import time
from pathlib import Path

from bench.data import OUT
from bot.app import build_application
from bot.conversations import conversation_handlers
from bot.settings import load_settings
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


async def run(users: int) -> dict[str, float]:
    """Start the bot, measure, add the users, measure again."""
    OUT.mkdir(exist_ok=True)
    store = await SqliteStore(DATABASE).open()
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
    await store.close()
    return {"users": users, "rss_after_start_mb": round(before, 1),
            "rss_with_users_mb": round(after, 1),
            "kb_per_user": round((after - before) * 1024 / users, 1),
            "active_conversations": states, "users_with_drafts": drafts,
            "seconds": round(seconds, 1)}


def main() -> None:
    """Print the figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.users)), indent=2))


if __name__ == "__main__":
    main()
