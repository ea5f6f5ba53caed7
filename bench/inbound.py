"""Inbound speed: the real Application against two bare PTB apps, same updates, same Bot API
layer: an echo bot, and the fair anchor, a ConversationHandler app with `DictPersistence`
flushed after every update that makes, for every update, the same Bot API calls the bot made.

The updates are a realistic mix of user sessions, each a new user: /start; a bill lookup
(«قبض من», the subscription number, the shared contact that proves the phone); tracking
lookups by code; a tariff calculation (/calc and its buttons); a service request
conversation up to its tracking code (a session whose last answer is an error, "not
understood" or nothing is counted as failed_<kind>). They run against the store built by bench/data.py
(the looked-up subscribers have two years of bills). Every update fed to the real bot is
recorded with the Bot API calls it made; the same updates are then fed to the echo app (a
MessageHandler that echoes, a CallbackQueryHandler that answers) and to the anchor (which
replays the bot's calls of each update through PTB). Updates go through each application's
update processor, as the running bot's do; `--concurrency N` runs N users' sessions at
once (each user's updates one after another), and the other apps get the same updates with
the same concurrency. Latency is the time from handing an update to the processor until
it is handled (the real bot's includes writing its persistence); with N > 1 it includes
the wait behind the other chats' updates. CPU is the process's CPU time per update.

Bot API layer: in memory by default (bot.tools.simulator.FakeBotAPI, no network); with
`--http PORT` a real HTTP server, bench/local_bot_api.py, in a process of its own on
127.0.0.1:PORT, reached through the production request layer (bot/runtime/app.py `bot_request`:
aiohttp or, with `--client httpx`, PTB's HTTPXRequest; its connection pool; the rate limiter
with the limits raised out of the way). All three apps use the same layer.
`--repeat N` does the whole run N times and gives min/median/max of every figure.
`--database` is a SQLite path or a `postgresql://` URL (bot.store.open_store): for
PostgreSQL, copy the bench store there first (`python -m bot copy-database SRC URL`).

    .venv/bin/python -m bench.inbound --updates 20000 [--concurrency 32] [--http 18601]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import cProfile
import json
import logging
import multiprocessing
import os
import random
import statistics
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    DictPersistence,
    MessageHandler,
)
from telegram.ext import filters as tg_filters
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from bench.data import DATABASE
from bot.runtime.app import bot_request, build_application
from bot.runtime.settings import Settings, load_settings, without_password
from bot.runtime.updates import PerChatUpdateProcessor
from bot.store import open_store
from bot.store.request_models import NewRequest
from bot.text.i18n import t
from bot.tools.simulator import SEND_METHODS, ApiCall, FakeBotAPI, SimUser, new_update_id

SERVICE = "extra_siphon"
MIX = (("start", 15), ("bill", 35), ("track", 20), ("calc", 20), ("request", 10))
CALC_STEPS = (("tap", "calc:s:"), ("tap", "calc:u:"), ("tap", "calc:c:"), ("tap", "calc:n:"),
              ("tap", "calc:skip"), ("tap", "calc:d:"), ("send", "25"), ("tap", "calc:w:y"))
# The Bot API calls of the update being handled (set per update; copied into its tasks).
CALLS: contextvars.ContextVar[list[ApiCall] | None] = contextvars.ContextVar(
    "bench_calls", default=None)


def note(url: str, request_data: RequestData | None) -> None:
    """Record a Bot API call (not a file download) for the update being handled."""
    calls = CALLS.get()
    if calls is not None and "/file/" not in url:
        calls.append(ApiCall(url.rsplit("/", 1)[-1],
                             dict(request_data.parameters) if request_data else {},
                             tuple(request_data.multipart_data)
                             if request_data and request_data.contains_files else ()))


class MemoryAPI(FakeBotAPI):
    """The in-memory Bot API, recording each update's calls."""

    def __init__(self) -> None:
        super().__init__()
        self.record = False

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        note(url, request_data)
        return await super().do_request(url, method, request_data, *args, **kwargs)


class Recording(BaseRequest):
    """A request layer (the bot's own, over HTTP) recording each update's calls."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        """The inner layer's."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """The inner layer's."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """The inner layer's."""
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Record, then the inner layer's."""
        note(url, request_data)
        return await self.inner.do_request(url, method, request_data, *args, **kwargs)


@dataclass
class Layer:
    """Where the Bot API calls go: memory, or the local HTTP server."""

    base_url: str | None = None
    base_file_url: str | None = None
    http_client: str = "aiohttp"
    http_version: str = "1.1"

    def request(self) -> BaseRequest:
        """A fresh request object for one application (over HTTP: the bot's)."""
        if self.base_url is None:
            return MemoryAPI()
        return Recording(bot_request(bench_settings(None, self)))


async def handle(app: Application, update: Update) -> list[ApiCall]:
    """Hand an update to the application's update processor, as PTB's fetcher does; return
    the Bot API calls it made."""
    calls: list[ApiCall] = []
    token = CALLS.set(calls)
    try:
        await app.update_processor.process_update(update, app.process_update(update))
    finally:
        CALLS.reset(token)
    return calls


@dataclass
class Handled:
    """One update fed to the real bot: its payload, latency and the calls it made."""

    payload: dict[str, Any]
    seconds: float
    calls: list[ApiCall]
    kind: str = ""


class TimedUser(SimUser):
    """A SimUser that times each update and records its payload and calls for the others."""

    def __init__(self, app: Application, api: FakeBotAPI, user_id: int,
                 log: list[Handled]) -> None:
        super().__init__(app, api, user_id)
        self.log = log

    async def _feed(self, payload: dict[str, Any]) -> list[ApiCall]:
        data = {"update_id": new_update_id(self.app), **payload}
        update = Update.de_json(data, self.app.bot)
        started = time.perf_counter()
        calls = await handle(self.app, update)
        self.log.append(Handled(data, time.perf_counter() - started, calls))
        self.replies = [c for c in calls if c.method in SEND_METHODS]
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


def bench_settings(database: str | Path | None, layer: Layer) -> Settings:
    """The bot's settings for a run: the local server's URLs, flood limits out of the way
    (the limiter still runs: its cost is part of every call)."""
    extra: dict[str, Any] = {}
    if layer.base_url is not None:
        extra = {"token": "7000000001:BENCH-local", "base_url": layer.base_url,
                 "http_client": layer.http_client, "http_version": layer.http_version,
                 "base_file_url": layer.base_file_url, "messages_per_second": 1e6,
                 "messages_per_chat_second": 1e6}
    if database is not None:
        extra["database"] = database
    return load_settings(operators=frozenset({900001}), **extra)


async def real_run(database: str | Path, updates: int, seed: int, concurrency: int, layer: Layer,
                   profiler: cProfile.Profile | None = None
                   ) -> tuple[list[Handled], float, float, dict[str, int]]:
    """Feed the mix to the real bot; return what was handled, wall and CPU time, counts
    (`profiler`: on while the updates are handled, in CPU time)."""
    rng = random.Random(seed)
    store = await open_store(database)
    settings = bench_settings(database, layer)
    api = MemoryAPI()  # the simulated users' files; the bot's calls go to `layer`
    if layer.base_url is None:
        app = build_application(settings, store, request=api)
    else:
        app = build_application(settings, store, request=layer.request(), limited=True)
    await app.initialize()
    first = await store.sample_subscribers(50_000)
    subs = [(s.subscription_number, s.phone) for s in rng.sample(first, min(5000, len(first)))]
    codes = [(await store.create_request(NewRequest(
        kind="service", service=SERVICE, chat_id=10**9 + n, user_id=10**9 + n,
        stage="registered"))).code for n in range(200)]
    log: list[Handled] = []
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
            first = len(log)
            await session(kind, user, rng, subs, codes)
            last = user.replies[-1].text if user.replies else ""
            if last in failures or not last:
                counts["failed_" + kind] = counts.get("failed_" + kind, 0) + 1
            for handled in log[first:]:
                handled.kind = kind

    cpu, started = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    await app.shutdown()
    await store.close()
    return log, wall, cpu, counts


def by_user(payloads: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The payloads grouped by user, each user's in order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for payload in payloads:
        message = payload.get("message") or payload.get("callback_query") or {}
        grouped.setdefault(message.get("from", {}).get("id", 0), []).append(payload)
    return list(grouped.values())


async def feed(app: Application, payloads: list[dict[str, Any]], concurrency: int
               ) -> tuple[list[float], float, float]:
    """Feed the payloads, each user's in order, `concurrency` users at once."""
    await app.initialize()
    queue = by_user(payloads)
    latencies: list[float] = []

    async def visitor() -> None:
        while queue:
            for payload in queue.pop():
                update = Update.de_json(payload, app.bot)
                begun = time.perf_counter()
                await handle(app, update)
                latencies.append(time.perf_counter() - begun)

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    await app.shutdown()
    return latencies, wall, cpu


def bare_builder(layer: Layer) -> ApplicationBuilder:
    """A bare PTB application on the same layer and update processor as the bot."""
    request = layer.request()
    builder = (ApplicationBuilder().token("7000000001:BARE-no-network").request(request)
               .get_updates_request(request).concurrent_updates(PerChatUpdateProcessor()))
    if layer.base_url is not None:
        builder = builder.base_url(layer.base_url).base_file_url(layer.base_file_url or "")
    return builder


async def echo_run(payloads: list[dict[str, Any]], concurrency: int, layer: Layer
                   ) -> tuple[list[float], float, float]:
    """The same updates to a bare PTB echo application."""
    async def echo(update: Update, _: Any) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(update.effective_message.text or "…")

    async def answer(update: Update, _: Any) -> None:
        await update.callback_query.answer()  # type: ignore[union-attr]

    app = bare_builder(layer).build()
    app.add_handler(MessageHandler(tg_filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return await feed(app, payloads, concurrency)


class FlushingApplication(Application):
    """PTB's Application, its persistence flushed after every update (as the bot's is)."""

    async def process_update(self, update: object) -> None:
        """Handle, then flush."""
        await super().process_update(update)
        await self.update_persistence()


async def anchor_run(handled: list[Handled], concurrency: int, layer: Layer
                     ) -> tuple[list[float], float, float]:
    """The same updates to a bare ConversationHandler app with DictPersistence flushed
    after every update, which makes, through PTB, the calls the bot made for each."""
    replay = {h.payload["update_id"]: h.calls for h in handled}

    async def step(update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> int:
        message = update.effective_message
        ctx.user_data["last"] = (message.text if message else None) or "…"  # type: ignore[index]
        for call in replay.get(update.update_id, ()):
            params = {k: v for k, v in call.params.items() if k not in call.files}
            await ctx.bot.do_api_request(
                call.method, api_kwargs=params,
                return_type=Message if call.method in SEND_METHODS else None)
        return 0

    anyway = [MessageHandler(tg_filters.ALL, step), CallbackQueryHandler(step)]
    app = (bare_builder(layer).application_class(FlushingApplication)
           .persistence(DictPersistence()).build())
    app.add_handler(ConversationHandler(entry_points=anyway, states={0: anyway}, fallbacks=[],
                                        name="anchor", persistent=True))
    return await feed(app, [h.payload for h in handled], concurrency)


def summary(latencies: list[float], wall: float, cpu: float) -> dict[str, float]:
    """Updates per second (wall clock and per CPU second), p50/p99 latency in ms."""
    q = statistics.quantiles(latencies, n=100)
    return {"updates": len(latencies), "updates_per_second": round(len(latencies) / wall),
            "updates_per_cpu_second": round(len(latencies) / cpu),
            "cpu_ms_per_update": round(cpu / len(latencies) * 1000, 3),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 1)}


def call_figures(handled: list[Handled]) -> dict[str, Any]:
    """Messages (sends and edits) and all Bot API calls per update, by method and kind."""
    methods: Counter[str] = Counter(c.method for h in handled for c in h.calls)
    kinds: dict[str, list[int]] = {}
    for h in handled:
        pair = kinds.setdefault(h.kind, [0, 0])
        pair[0] += 1
        pair[1] += sum(c.method in SEND_METHODS for c in h.calls)
    messages = sum(n for m, n in methods.items() if m in SEND_METHODS)
    return {"messages_per_update": round(messages / len(handled), 3),
            "calls_per_update": round(sum(methods.values()) / len(handled), 3),
            "calls": dict(methods.most_common()),
            "messages_per_update_by_session": {k: round(m / n, 3)
                                               for k, (n, m) in sorted(kinds.items())}}


async def one_run(database: str | Path, updates: int, seed: int, concurrency: int, layer: Layer,
                  profile: Path | None = None) -> dict[str, Any]:
    """The bot, then the echo app and the anchor on the same updates; figures and ratios
    (`profile`: the bot's run under cProfile, its stats written there)."""
    profiler = cProfile.Profile(time.process_time) if profile else None
    handled, wall, cpu, counts = await real_run(database, updates, seed, concurrency, layer,
                                                profiler)
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    real = summary([h.seconds for h in handled], wall, cpu)
    echo = summary(*await echo_run([h.payload for h in handled], concurrency, layer))
    anchor = summary(*await anchor_run(handled, concurrency, layer))
    return {"sessions": counts, **call_figures(handled), "abfa": real, "anchor": anchor,
            "echo": echo,
            "ratio_to_anchor": round(real["updates_per_second"] / anchor["updates_per_second"], 3),
            "ratio_to_echo": round(real["updates_per_second"] / echo["updates_per_second"], 3),
            # the same on CPU time: what a loaded machine's waiting does not blur
            "cpu_ratio_to_anchor": round(
                real["updates_per_cpu_second"] / anchor["updates_per_cpu_second"], 3),
            "cpu_ratio_to_echo": round(
                real["updates_per_cpu_second"] / echo["updates_per_cpu_second"], 3)}


def serve(port: int, ready: Any) -> None:
    """The local Bot API in this (child) process until killed."""
    from bench.local_bot_api import LocalBotAPI

    server = LocalBotAPI(port).start()
    ready.set()
    while True:
        time.sleep(3600)
    server.stop()


def spread(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """min/median/max of every number over the runs (the first run's other values)."""
    def merge(values: list[Any]) -> Any:
        first = values[0]
        if isinstance(first, dict):
            return {k: merge([v.get(k, 0) for v in values]) for k in first}
        if isinstance(first, (int, float)) and not isinstance(first, bool) and len(values) > 1:
            return {"min": min(values), "median": statistics.median(values), "max": max(values)}
        return first
    return merge(runs)


def main() -> None:
    """Print the figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20000)
    parser.add_argument("--database", default=str(DATABASE),
                        help="a SQLite path or a postgresql:// URL (default: bench/data.py's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="users whose sessions run at the same time (1: one by one)")
    parser.add_argument("--http", type=int, metavar="PORT", default=None,
                        help="over real HTTP: bench/local_bot_api.py in its own process")
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="the bot's HTTP client over --http (ABFA_HTTP_CLIENT)")
    parser.add_argument("--http2", action="store_true", help="httpx asking for HTTP/2 (h2)")
    parser.add_argument("--repeat", type=int, default=1, help="whole runs; min/median/max")
    parser.add_argument("--profile", type=Path, default=None,
                        help="cProfile the bot's run (the last one) into this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", category=PTBUserWarning)  # the anchor's generic calls
    layer, server = Layer(), None
    if args.http is not None:
        ready = multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(args.http, ready), daemon=True)
        server.start()
        ready.wait(10)
        base = f"http://127.0.0.1:{args.http}"
        layer = Layer(f"{base}/bot", f"{base}/file/bot", args.client,
                      "2" if args.http2 else "1.1")
    runs = []
    try:
        for n in range(args.repeat):
            runs.append(asyncio.run(one_run(
                args.database, args.updates, args.seed + n, args.concurrency, layer,
                args.profile if n == args.repeat - 1 else None)))
    finally:
        if server is not None:
            server.kill()
    figures = {"database": without_password(args.database), "concurrency": args.concurrency,
               "layer": f"http://127.0.0.1:{args.http} ({args.client})" if args.http
               else "memory",
               "runs": len(runs), "load_average": os.getloadavg(), **spread(runs)}
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
