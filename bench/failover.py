"""Failover test: two bot processes on one PostgreSQL, the leader SIGKILLed again and again.

A throw-away PostgreSQL server (bench/postgres.py) gets the crash test's database (demo
subscribers and a broadcast waiting in the outbox, bench/crash.py, copied in with
`python -m bot copy-database`). `--processes` copies of `python -m bot run` start on it
against bench/local_bot_api.py: one leads, the others stand by (bot/runtime/leadership.py). The
crash test's scripted users fill service requests with documents. A killer waits until
every other process stands by, lets the leader work for a random 0.2-2.5 s, SIGKILLs it
and starts it again (as a new standby), `--kills` times. A process that exits by itself
(a leader that lost its lock) is started again too.

Each start of a process talks to the local Bot API under a base URL of its own
(`…/i<N>/bot`), so the server knows who polls and who sends. Checked at the end, on a
SQLite copy of the final database (`copy-database` again, checked per table):

* the crash test's invariants (bench/crash.py `check`): every code shown exists with its
  documents, no duplicate codes, every outbox message delivered, none sent again after
  it was marked sent, no ERROR in the logs, no token in them;
* exactly one leader at any time: the Bot API never sees a process poll or send after
  another one started to, and no new leader calls before the old one was killed;
* takeover time: from the SIGKILL to the new leader's first getUpdates (max, median).

    .venv/bin/python -m bench.failover --kills 50 --port 18510      # docs/reliability.md
    .venv/bin/python -m bench.failover --kills 3 --json --database URL  # tests/test_failover.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.crash import OPERATORS_CHAT, ROOT, TOKEN, User, check, drive, prepare, report
from bench.local_bot_api import LocalBotAPI
from bench.postgres import throwaway_postgres


class Fleet:
    """The bot processes: each start gets a caller name of its own (`i<N>`)."""

    def __init__(self, env: dict[str, str], api: LocalBotAPI, folder: Path) -> None:
        self.env, self.api, self.folder = env, api, folder
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts = 0
        self.kills: list[tuple[float, str]] = []  # (time, caller) of every SIGKILL
        self.exits: list[tuple[str, int]] = []  # processes that ended by themselves
        self.lock = threading.Lock()

    def start(self) -> str:
        """Start one more process; its caller name."""
        with self.lock:
            self.starts += 1
            name = f"i{self.starts}"
        base = f"http://127.0.0.1:{self.api.port}/{name}"
        env = {**self.env, "ABFA_BASE_URL": f"{base}/bot", "ABFA_BASE_FILE_URL": f"{base}/file/bot"}
        with self.log(name).open("ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT)
        with self.lock:
            self.procs[name] = proc
        return name

    def log(self, name: str) -> Path:
        """The log file of one start."""
        return self.folder / f"bot-{name}.log"

    def alive(self) -> list[str]:
        """Names of the running processes."""
        with self.lock:
            return [n for n, p in self.procs.items() if p.poll() is None]

    def leader(self) -> str | None:
        """The running process that polled last (the leader), if any."""
        running = set(self.alive())
        for _, caller, method in reversed(self.api.traffic[-200:]):
            if method == "getUpdates":
                return caller if caller in running else None
        return None

    def standing_by(self, name: str) -> bool:
        """Whether a process says it stands by (it is started and ready to take over)."""
        path = self.log(name)
        return path.exists() and "standing by" in path.read_text(errors="replace")

    def kill(self, name: str) -> float:
        """SIGKILL one process; when it was killed."""
        with self.lock:
            proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        at = time.time()
        proc.wait()
        with self.lock:
            self.kills.append((at, name))
        return at

    def restart_exited(self) -> None:
        """Start again every process that ended by itself (not killed here)."""
        killed = {name for _, name in self.kills}
        with self.lock:
            gone = [(n, p.returncode) for n, p in self.procs.items()
                    if p.poll() is not None and n not in killed
                    and (n, p.returncode) not in self.exits]
            self.exits.extend(gone)
        for _ in gone:
            self.start()

    def stop(self) -> None:
        """SIGTERM every process and wait."""
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def killer(fleet: Fleet, kills: int, done: threading.Event, rng: random.Random,
           takeovers: list[float]) -> None:
    """Kill the leader at random moments once the others stand by; `kills` times."""
    while len(fleet.kills) < kills and not done.is_set():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fleet.restart_exited()
            leader = fleet.leader()
            others = [n for n in fleet.alive() if n != leader]
            if leader and others and all(fleet.standing_by(n) for n in others):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("no leader with a standby for 60 s")
        time.sleep(rng.uniform(0.2, 2.5))
        at = fleet.kill(leader)
        time.sleep(rng.uniform(0.0, 0.5))
        fleet.start()
        fleet.api.wait_for(lambda a=at, old=leader: _first_poll_after(fleet.api, a, old) is not None, 30)
        first = _first_poll_after(fleet.api, at, leader)
        if first is not None:
            takeovers.append(first - at)


def _first_poll_after(api: LocalBotAPI, at: float, old: str) -> float | None:
    for when, caller, method in api.traffic:
        if method == "getUpdates" and when > at and caller != old:
            return when
    return None


def leaders_check(api: LocalBotAPI, kills: list[tuple[float, str]]) -> list[str]:
    """Exactly one leader at a time, as the Bot API saw it."""
    problems = []
    runs: list[tuple[str, float, float]] = []  # (caller, first call, last call)
    for when, caller, _ in sorted(api.traffic):
        if runs and runs[-1][0] == caller:
            runs[-1] = (caller, runs[-1][1], when)
        else:
            runs.append((caller, when, when))
    callers = [r[0] for r in runs]
    twice = sorted({c for c in callers if callers.count(c) > 1})
    if twice:
        problems.append(f"processes polled or sent again after another one had: {twice}")
    killed_at = {name: at for at, name in kills}
    for (old, _, _), (new, started, _) in itertools.pairwise(runs):
        if old in killed_at and started < killed_at[old]:
            problems.append(f"{new} called the Bot API before {old} was killed")
    return problems


def _pending(url: str) -> int:
    import asyncpg

    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE status='pending'"))
        finally:
            await conn.close()

    return asyncio.run(count())


def _copy(source: str, target: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "bot", "copy-database", source, target], cwd=ROOT,
                   env=env, check=True, capture_output=True)


def run(kills: int, users_count: int, broadcast: int, seed: int, folder: Path,
        processes: int = 2, port: int = 0, database: str | None = None,
        wait: float = 4.0) -> dict[str, Any]:
    """The whole failover test (on `database`, an empty PostgreSQL database or schema, or
    else on a throw-away server); returns the figures and the problems found."""
    rng = random.Random(seed)
    random.seed(seed)
    seed_db, final_db = folder / "seed.sqlite3", folder / "final.sqlite3"
    final_db.unlink(missing_ok=True)
    for old in folder.glob("bot-i*.log"):
        old.unlink()
    numbers = prepare(seed_db, users_count, broadcast)
    load_before = os.getloadavg()
    server = contextlib.nullcontext(database) if database else throwaway_postgres()
    with server as url:
        env = {**os.environ, "ABFA_TOKEN": TOKEN, "ABFA_DATABASE": url,
               "ABFA_OPERATORS_CHAT": str(OPERATORS_CHAT), "ABFA_OPERATORS": "900001",
               "ABFA_LOG_LEVEL": "INFO", "PYTHONWARNINGS": "ignore"}
        _copy(str(seed_db), url, env)
        api = LocalBotAPI(port=port, log_path=folder / "delivered.jsonl", per_second=30).start()
        fleet = Fleet(env, api, folder)
        users = [User(700_001 + n, number) for n, number in enumerate(numbers)]
        started = time.monotonic()
        for _ in range(processes):
            fleet.start()
        done = threading.Event()
        drivers = [threading.Thread(target=drive, args=(api, user, done, wait), daemon=True)
                   for user in users]
        for driver in drivers:
            driver.start()
        takeovers: list[float] = []
        killer(fleet, kills, done, rng, takeovers)
        api.wait_for(lambda: all(u.codes for u in users), 60)
        done.set()
        for driver in drivers:
            driver.join(wait * 3)
        last, idle = _pending(url), time.monotonic()
        while last and time.monotonic() - idle < 20:  # until empty, or no progress for 20 s
            time.sleep(0.5)
            fleet.restart_exited()
            if (now := _pending(url)) != last:
                last, idle = now, time.monotonic()
        time.sleep(1.0)
        fleet.stop()
        api.stop()
        seconds = time.monotonic() - started
        load_after = os.getloadavg()
        _copy(url, str(final_db), env)
    log_path = folder / "bot.log"
    log_path.write_text("".join(fleet.log(f"i{n}").read_text(errors="replace")
                                for n in range(1, fleet.starts + 1)), encoding="utf-8")
    figures = check(final_db, api, users, log_path)
    figures["problems"] = leaders_check(api, fleet.kills) + figures["problems"]
    if len(takeovers) < len(fleet.kills):
        figures["problems"].append(f"{len(fleet.kills) - len(takeovers)} kills saw no takeover")
    led = sum(1 for n in range(1, fleet.starts + 1)
              if "leading now" in fleet.log(f"i{n}").read_text(errors="replace"))
    return {"kills": len(fleet.kills), "starts": fleet.starts, "processes": processes,
            "users": users_count, "seconds": round(seconds, 1),
            "processes_that_led": led, "exited_by_themselves": len(fleet.exits),
            "takeover_max_s": round(max(takeovers), 2) if takeovers else None,
            "takeover_median_s": round(statistics.median(takeovers), 2) if takeovers else None,
            "takeover_min_s": round(min(takeovers), 2) if takeovers else None,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "floods": api.floods, **figures}


def main() -> int:
    """Run, print the figures; exit 1 when an invariant is broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--broadcast", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the local Bot API's port "
                        "(default: any free one)")
    parser.add_argument("--database", help="an empty PostgreSQL database or schema to use "
                        "(postgresql://…; default: a throw-away server)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the databases and logs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="abfa-failover-"))
    folder.mkdir(parents=True, exist_ok=True)
    figures = run(args.kills, args.users, args.broadcast, args.seed, folder,
                  processes=args.processes, port=args.port, database=args.database)
    return report(figures, folder, as_json=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
