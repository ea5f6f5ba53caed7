"""Inbound speed: the real Application against a bare PTB echo bot, same updates, same fake
Bot API layer (bot.tools.simulator.FakeBotAPI, no network).

The updates are a realistic mix of user sessions, each a new user: /start; a bill lookup
(«قبض من», the subscription number, the shared contact that proves the phone); tracking
lookups by code; a tariff calculation (/calc and its buttons); a service request
conversation up to its tracking code (a session whose last answer is an error, "not
understood" or nothing is counted as failed_<kind>). They run against the store built by bench/data.py
(1,000,000 subscribers; the looked-up ones have two years of bills). Every update fed to
the real bot is recorded and the same updates are then fed to an echo Application (a
MessageHandler that echoes, a CallbackQueryHandler that answers). Updates go through
each application's update processor, as the running bot's do; `--concurrency N` runs N
users' sessions at once (each user's updates one after another), and the echo bot gets
the same updates with the same concurrency. Latency is the time from handing an update
to the processor until it is handled (the real bot's includes writing its persistence).

    .venv/bin/python -m bench.inbound --updates 20000 [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bench.data import DATABASE
from bot.app import build_application
from bot.settings import load_settings
from bot.store import SqliteStore
from bot.store.request_models import NewRequest
from bot.text.i18n import t
from bot.tools.simulator import ApiCall, FakeBotAPI, SimUser, new_update_id
from bot.updates import PerChatUpdateProcessor

SERVICE = "extra_siphon"
MIX = (("start", 15), ("bill", 35), ("track", 20), ("calc", 20), ("request", 10))
CALC_STEPS = (("tap", "calc:s:"), ("tap", "calc:u:"), ("tap", "calc:c:"), ("tap", "calc:n:"),
              ("tap", "calc:skip"), ("tap", "calc:d:"), ("send", "25"), ("tap", "calc:w:y"))


class ChatAPI(FakeBotAPI):
    """A FakeBotAPI that keeps each chat's calls apart (sessions run concurrently)."""

    def __init__(self) -> None:
        super().__init__()
        self.record = False
        self.by_chat: dict[int, list[ApiCall]] = {}

    def _result(self, call: ApiCall) -> Any:
        if call.chat_id is not None:
            self.by_chat.setdefault(call.chat_id, []).append(call)
        return super()._result(call)


async def handle(app: Application, update: Update) -> None:
    """Hand an update to the application's update processor, as PTB's fetcher does."""
    await app.update_processor.process_update(update, app.process_update(update))


class TimedUser(SimUser):
    """A SimUser that times each update and records its payload for the echo run."""

    def __init__(self, app: Application, api: ChatAPI, user_id: int,
                 log: list[tuple[dict[str, Any], float]]) -> None:
        super().__init__(app, api, user_id)
        self.log = log

    async def _feed(self, payload: dict[str, Any]) -> list[ApiCall]:
        calls = self.api.by_chat.setdefault(self.id, [])  # type: ignore[attr-defined]
        before = len(calls)
        data = {"update_id": new_update_id(self.app), **payload}
        update = Update.de_json(data, self.app.bot)
        started = time.perf_counter()
        await handle(self.app, update)
        self.log.append((data, time.perf_counter() - started))
        self.replies = calls[before:]
        return self.replies


async def tap(user: TimedUser, prefix: str) -> bool:
    """Press the first inline button of the last replies whose data starts with prefix."""
    for call in reversed(user.replies):
        for row in call.inline:
            for _, data in row:
                if data.startswith(prefix):
                    await user.press(data)
                    return True
    return False


async def session(kind: str, user: TimedUser, rng: random.Random, subs: list[tuple[str, str]],
                  codes: list[str]) -> None:
    """One user's visit of the given kind."""
    if kind == "start":
        await user.send("/start")
    elif kind == "bill":
        number, phone = rng.choice(subs)
        await user.send(t("menu.bills"))
        await user.send(number)
        await user.share_contact(phone)
    elif kind == "track":
        for _ in range(rng.randint(1, 3)):
            await user.send(f"/track {rng.choice(codes)}")
    elif kind == "calc":
        await user.send("/calc")
        for action, value in CALC_STEPS:
            if action == "send":
                await user.send(value)
            else:
                await tap(user, value)
    else:
        await user.send(t("menu.services"))
        await user.press(f"svc:info:{SERVICE}")
        await user.press(f"svc:start:{SERVICE}")
        await user.send(rng.choice(subs)[0])
        await user.send("یک واحد مسکونی تازه در طبقه دوم")
        await user.share_location(38.07, 46.29)
        await user.send_photo(None)
        await user.press("svc:confirm")


async def real_run(database: Path, updates: int, seed: int, concurrency: int = 1
                   ) -> tuple[list[tuple[dict[str, Any], float]], float, dict[str, int]]:
    """Feed the mix to the real bot; return the timed payloads, the wall time and counts."""
    rng = random.Random(seed)
    store = await SqliteStore(database).open()
    settings = load_settings(database=database, operators=frozenset({900001}))
    api = ChatAPI()
    app = build_application(settings, store, request=api)
    await app.initialize()
    first = await store.sample_subscribers(50_000)
    subs = [(s.subscription_number, s.phone) for s in rng.sample(first, min(5000, len(first)))]
    codes = [(await store.create_request(NewRequest(
        kind="service", service=SERVICE, chat_id=10**9 + n, user_id=10**9 + n,
        stage="registered"))).code for n in range(200)]
    log: list[tuple[dict[str, Any], float]] = []
    counts: dict[str, int] = {}
    failures = {t("errors.internal"), t("common.unknown_input"), t("common.expired_button")}
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    next_user = 3_000_000_000 + int(time.time()) % 10**6 * 10_000  # new users every run
    users = iter(range(next_user, next_user + 10**7))

    async def visitor() -> None:
        while len(log) < updates:
            kind = rng.choices(kinds, weights)[0]
            counts[kind] = counts.get(kind, 0) + 1
            user = TimedUser(app, api, next(users), log)
            await session(kind, user, rng, subs, codes)
            last = user.replies[-1].text if user.replies else ""
            if last in failures or not last:
                counts["failed_" + kind] = counts.get("failed_" + kind, 0) + 1
            api.by_chat.pop(user.id, None)

    started = time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    await app.shutdown()
    await store.close()
    return log, wall, counts


async def echo_run(payloads: list[dict[str, Any]], concurrency: int = 1
                   ) -> tuple[list[float], float]:
    """Feed the same updates, with the same concurrency, to a bare PTB echo application
    over the same fake layer."""
    api = ChatAPI()

    async def echo(update: Update, _: Any) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(update.effective_message.text or "…")

    async def answer(update: Update, _: Any) -> None:
        await update.callback_query.answer()  # type: ignore[union-attr]

    app = (ApplicationBuilder().token("7000000001:ECHO-no-network").request(api)
           .get_updates_request(api).concurrent_updates(PerChatUpdateProcessor()).build())
    app.add_handler(MessageHandler(tg_filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    by_chat: dict[int, list[dict[str, Any]]] = {}
    for payload in payloads:  # each user's updates in order, users concurrently
        message = payload.get("message") or payload.get("callback_query") or {}
        by_chat.setdefault(message.get("from", {}).get("id", 0), []).append(payload)
    queue = list(by_chat.values())
    latencies: list[float] = []

    async def visitor() -> None:
        while queue:
            for payload in queue.pop():
                update = Update.de_json(payload, app.bot)
                begun = time.perf_counter()
                await handle(app, update)
                latencies.append(time.perf_counter() - begun)
            api.by_chat.clear()

    started = time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    await app.shutdown()
    return latencies, wall


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    """Updates per second and p50/p99 latency in milliseconds."""
    q = statistics.quantiles(latencies, n=100)
    return {"updates": len(latencies), "updates_per_second": round(len(latencies) / wall),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 1)}


async def main_async(database: Path, updates: int, seed: int, concurrency: int
                     ) -> dict[str, Any]:
    """Both runs and the ratio."""
    log, wall, counts = await real_run(database, updates, seed, concurrency)
    real = summary([s for _, s in log], wall)
    echo_latencies, echo_wall = await echo_run([p for p, _ in log], concurrency)
    echo = summary(echo_latencies, echo_wall)
    return {"database": str(database), "concurrency": concurrency, "sessions": counts,
            "abfa": real, "echo": echo,
            "throughput_ratio": round(real["updates_per_second"] / echo["updates_per_second"], 3),
            "goal_half_of_echo": real["updates_per_second"] >= echo["updates_per_second"] / 2,
            "goal_p99_under_50ms": real["p99_ms"] < 50}


def main() -> None:
    """Print the figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20000)
    parser.add_argument("--database", type=Path, default=DATABASE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="users whose sessions run at the same time (1: one by one)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = asyncio.run(main_async(args.database, args.updates, args.seed, args.concurrency))
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
