"""The cost of one Bot API call through PTB over real HTTP, per request layer.

bench/local_bot_api.py runs in a process of its own on 127.0.0.1:PORT; this process makes
`--calls` sendMessage calls one after another through a PTB `Bot` on each layer (PTB's
HTTPXRequest, bot/runtime/aiohttp_request.py), after 50 calls of warm-up, and reports the wall
time and this process's CPU time per call; `--repeat` times, min/median/max.

    .venv/bin/python -m bench.api_call --port 18630 --calls 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.inbound import serve
from bot.runtime.aiohttp_request import AiohttpRequest

LAYERS: dict[str, Callable[[], BaseRequest]] = {
    "httpx": lambda: HTTPXRequest(connection_pool_size=64),
    "aiohttp": lambda: AiohttpRequest(connection_pool_size=64),
}


async def one(port: int, layer: str, calls: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per call."""
    async with Bot("7000000001:CALL-bench", base_url=f"http://127.0.0.1:{port}/bot",
                   request=LAYERS[layer]()) as bot:
        for _ in range(50):
            await bot.send_message(1, "سلام")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await bot.send_message(1, "قبض شما آماده است")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return wall / calls * 1000, cpu / calls * 1000


def main() -> None:
    """Print the figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18630)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.port, ready), daemon=True)
    server.start()
    ready.wait(10)
    figures: dict[str, dict[str, dict[str, float]]] = {}
    try:
        runs = {layer: [asyncio.run(one(args.port, layer, args.calls))
                        for _ in range(args.repeat)] for layer in LAYERS}
    finally:
        server.kill()
    for layer, values in runs.items():
        figures[layer] = {
            name: {"min": round(min(v), 3), "median": round(statistics.median(v), 3),
                   "max": round(max(v), 3)}
            for name, v in (("wall_ms_per_call", [w for w, _ in values]),
                            ("cpu_ms_per_call", [c for _, c in values]))}
    print(json.dumps({"calls": args.calls, "runs": args.repeat,
                      "load_average": os.getloadavg(), **figures}, indent=2))


if __name__ == "__main__":
    main()
