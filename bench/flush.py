"""The persistence flush and index reads: CPU per call (issue 16, item 3).

    .venv/bin/python -m bench.flush

A flush of one update's state (a user's data, a chat's data, a conversation state) through
the store's `save_ptb_state` (bot/runtime/persistence.py calls it after every update), and a chat
read by its key two ways: through aiosqlite's thread (`fetchall`) and in the loop's thread
(`lookup`, what the store uses for index reads). 3 rounds of 3,000 calls each on a fresh
SQLite file; min/median/max of the rounds in µs of CPU (process time) and of wall time.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path

from bot.store import SqliteStore

OUT = Path(__file__).with_name("out")
CALLS = 3_000


async def run() -> dict[str, list[float]]:
    """The three rounds; the figures by name."""
    OUT.mkdir(exist_ok=True)
    path = OUT / "flush.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = await SqliteStore(path).open()
    await store.upsert_chat(1, 1, "x", None)
    figures: dict[str, list[float]] = {}

    def note(name: str, started: float, clock: float) -> None:
        figures.setdefault(name, []).append(round((clock - started) / CALLS * 1e6))

    sql = "SELECT * FROM chats WHERE chat_id=?"
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(CALLS):
            await store.save_ptb_state([
                ("user_data", (i % 500,), b"u" * 200), ("chat_data", (i % 500,), b"c" * 100),
                ("conversations", ("bills", f"[{i % 500}, {i % 500}]"), b"s")])
        note("flush_cpu_us", cpu, time.process_time())
        note("flush_wall_us", wall, time.perf_counter())
        cpu = time.process_time()
        for _ in range(CALLS):
            await store.db.fetchall(sql, (1,))
        note("read_aiosqlite_cpu_us", cpu, time.process_time())
        cpu = time.process_time()
        for _ in range(CALLS):
            await store.db.lookup(sql, (1,))
        note("read_loop_thread_cpu_us", cpu, time.process_time())
    await store.close()
    return figures


def main() -> None:
    """Print min/median/max of each figure and the load average."""
    figures = asyncio.run(run())
    out = {name: [min(v), statistics.median(v), max(v)] for name, v in figures.items()}
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
