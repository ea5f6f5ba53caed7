"""Bill day: the payment-reminder job over 1,000,000 unpaid bills due the same day, with
20,000 verified links, while users keep writing (issue 16, item 1).

    .venv/bin/python -m bench.billday --build            # once: bench/out/billday.sqlite3
    .venv/bin/python -m bench.billday --runs 3           # each run on a fresh copy

The store: `--size` subscribers from bot.tools.demo_data's generator, each with one unpaid
bill due on the bill day; the first 1,000 bills are computed by the tariff engine and the
others copy one of them (subscriber, bill ID and due date are the subscriber's), because
a million engine-computed bills take hours (bench/data.py). `--links` chats each prove one
subscription spread over the file.

A run copies the store, opens it, lets `--users` simulated users write (a chat upsert and a
persistence flush each, like a handler's update) for a quiet second, then runs
`bot.notify.jobs.run_reminders` for the bill day while they keep writing, then runs it
again (a resumed or repeated run must queue nothing). It reports the users' write time
(p50/p99/max: waiting for the writer plus the write itself), how late the event loop
answers a 10 ms timer (p99, the loop's lag), the longest write transaction of the job, the job's time and its memory (peak resident memory of the
process during the job, and its growth over the start of the job).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import datetime as dt
import json
import os
import random
import shutil
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.billing.periods import last_read_period, periods_until
from bot.notify.jobs import run_reminders
from bot.runtime.settings import Settings
from bot.store import SqliteStore
from bot.text.i18n import default_locale
from bot.tools.demo_data import bills_for, subscriber_rows

OUT = Path(__file__).with_name("out")
DATABASE = OUT / "billday.sqlite3"
BILL_DAY = dt.date(2026, 12, 10)
TEMPLATES = 1_000
BATCH = 5_000
CHAT_BASE = 50_000_000
in_job: contextvars.ContextVar[bool] = contextvars.ContextVar("in_job", default=False)


async def build(path: Path, size: int, links: int) -> dict[str, Any]:
    """The bill-day store (see the module docstring); its build figures."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = await SqliteStore(path).open()
    rng = random.Random(1404)
    span = periods_until(last_read_period(BILL_DAY), 1)
    templates: list[dict[str, Any]] = []
    rows = subscriber_rows(size, rng)
    try:
        for offset in range(0, size, BATCH):
            batch = [next(rows) for _ in range(min(BATCH, size - offset))]
            await store.add_subscribers(batch)
            bills = []
            for number, row in enumerate(batch, start=offset + 1):  # ids of an empty table
                if len(templates) < TEMPLATES:
                    subscriber = await store.subscriber(number)
                    assert subscriber is not None
                    bill = bills_for(subscriber, span, rng)[0][-1]
                    templates.append(bill)
                else:
                    bill = dict(templates[number % TEMPLATES])
                bill.update(subscriber_id=number, bill_id=row["bill_id"],
                            due_date=BILL_DAY, paid_at=None)
                bills.append(bill)
            async with store.unit() as uow:
                await uow.add_bills(bills)
        every = max(1, size // links)
        for index in range(links):
            chat_id = CHAT_BASE + index
            await store.upsert_chat(chat_id, chat_id, "کاربر", None)
        for offset in range(0, links, BATCH):
            async with store.unit() as uow:
                for index in range(offset, min(offset + BATCH, links)):
                    await uow.prove_link(CHAT_BASE + index, 1 + index * every, "خانه", "phone",
                                         rename=True)
    finally:
        await store.close()
    return {"subscribers": size, "unpaid_bills_due": size, "verified_links": links,
            "build_seconds": round(time.perf_counter() - started, 1),
            "database_mb": round(path.stat().st_size / 2**20)}


def rss_mb() -> float:
    """This process's resident memory now."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed_transactions(store: SqliteStore, holds: list[tuple[bool, float]]) -> None:
    """Record how long every write transaction holds the writer (from BEGIN to the end of
    COMMIT; a failed one is not counted)."""
    original = store.db.transaction

    @contextlib.asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        started = 0.0
        async with original() as conn:
            started = time.perf_counter()
            yield conn
        holds.append((in_job.get(), time.perf_counter() - started))

    store.db.transaction = transaction  # type: ignore[method-assign]


async def user(store: SqliteStore, index: int, stop: asyncio.Event,
               waits: list[tuple[float, float]]) -> None:
    """One user: an update's writes every 50-150 ms (a chat upsert, a persistence flush)."""
    rng = random.Random(index)
    chat_id = 90_000_000 + index
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.05, 0.15))
        started = time.perf_counter()
        await store.upsert_chat(chat_id, chat_id, "کاربر", None)
        await store.save_ptb_state([("user_data", (chat_id,), os.urandom(200))])
        waits.append((started, time.perf_counter() - started))


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def run_once(source: Path, users: int, quiet: float) -> dict[str, Any]:
    """One bill-day run on a fresh copy of the store."""
    copy = OUT / "billday-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    with copy.open("rb+") as written:  # on disk before the run: else the first checkpoint's
        os.fsync(written.fileno())     # fsync waits for the whole copy
    default_locale()  # loaded at start-up in the bot
    store = await SqliteStore(copy).open()
    holds: list[tuple[bool, float]] = []
    timed_transactions(store, holds)
    waits: list[tuple[float, float]] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(user(store, i, stop, waits)) for i in range(users)]
    await asyncio.sleep(quiet)
    quiet_waits = [w for _, w in waits]
    peak = before = rss_mb()

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb())
            await asyncio.sleep(0.05)

    lags: list[float] = []

    async def lag() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    sampler = asyncio.create_task(sample())
    lagger = asyncio.create_task(lag())
    settings = Settings(reminder_days=0)
    in_job.set(True)
    started = time.perf_counter()
    queued = await run_reminders(store, settings, today=BILL_DAY)
    ended = time.perf_counter()
    again = await run_reminders(store, settings, today=BILL_DAY)
    again_seconds = time.perf_counter() - ended
    in_job.set(False)
    sampler.cancel()
    lagger.cancel()
    stop.set()
    await asyncio.gather(*tasks)
    await store.close()
    during = [w for at, w in waits if started <= at <= ended]
    job_holds = [h for job, h in holds if job]
    ms = 1000
    return {
        "reminders_queued": queued, "queued_again": again,
        "job_seconds": round(ended - started, 2), "again_seconds": round(again_seconds, 2),
        "user_writes_during_job": len(during),
        "write_p50_ms": round(percentile(during, 0.5) * ms, 1),
        "write_p99_ms": round(percentile(during, 0.99) * ms, 1),
        "write_max_ms": round(max(during, default=0) * ms, 1),
        "quiet_write_p99_ms": round(percentile(quiet_waits, 0.99) * ms, 1),
        "loop_lag_p99_ms": round(percentile(lags, 0.99) * ms, 1),
        "job_transactions": len(job_holds),
        "job_transaction_p99_ms": round(percentile(job_holds, 0.99) * ms, 1),
        "job_longest_transaction_ms": round(max(job_holds, default=0) * ms, 1),
        "job_peak_rss_mb": round(peak), "job_rss_growth_mb": round(peak - before),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """min/median/max of every figure over the runs."""
    return {key: [min(r[key] for r in runs), statistics.median(r[key] for r in runs),
                  max(r[key] for r in runs)] for key in runs[0]}


def main() -> None:
    """Build the store or run the bill day; print the figures, keep them in bench/out/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build the store first")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--database", type=Path, default=DATABASE)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--users", type=int, default=20,
                        help="users writing every 50-150 ms: 20 make about 200 updates/s")
    parser.add_argument("--quiet", type=float, default=2.0,
                        help="seconds of users alone before the job")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    figures: dict[str, Any] = {"load_average": list(os.getloadavg())}
    if args.build:
        figures["build"] = asyncio.run(build(args.database, args.size, args.links))
        print(json.dumps(figures["build"]))
    runs = []
    for _ in range(args.runs):
        runs.append(asyncio.run(run_once(args.database, args.users, args.quiet)))
        print(json.dumps(runs[-1]))
    if runs:
        figures |= {"runs": runs, "min_median_max": summary(runs),
                    "load_average_after": list(os.getloadavg())}
        print(json.dumps(figures["min_median_max"]))
    (OUT / "billday.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
