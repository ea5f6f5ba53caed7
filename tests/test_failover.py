"""Leader and standby as processes on PostgreSQL (issue 14, items 4 and 8), short versions;
they need a server (ABFA_TEST_POSTGRES, as .ci/run gives) and skip without one.

* bench/failover.py with a few SIGKILLs of the leader (the 50-kill run and its figures:
  docs/reliability.md);
* a leader whose lock connection is cut (the server ends its session) exits at once,
  and the standby takes over.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.local_bot_api import LocalBotAPI
from bot.runtime.leadership import LOST_LEADERSHIP

ROOT = Path(__file__).resolve().parents[1]
KILLS = 3
TOKEN = "123456:LEADER-test-token-abcdefghijk"


async def test_the_leader_is_killed_and_a_standby_takes_over_every_time(postgres_database,
                                                                        tmp_path):
    done = await asyncio.to_thread(subprocess.run, [
        sys.executable, "-m", "bench.failover", "--kills", str(KILLS), "--users", "2",
        "--broadcast", "90", "--seed", "7", "--json", "--out", str(tmp_path),
        "--database", postgres_database],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.stdout.strip(), done.stderr[-3000:]
    run = json.loads(done.stdout.strip().splitlines()[-1])
    assert run["problems"] == []  # the crash test's invariants, and one leader at a time
    assert run["kills"] == KILLS and run["processes_that_led"] >= KILLS + 1
    assert run["takeover_max_s"] < 10
    assert run["codes_shown"] >= 2 and run["same_draft_stored_twice"] == 0
    assert run["outbox_messages"] >= 90


def start_bot(database: str, api: LocalBotAPI, name: str, log: Path) -> subprocess.Popen:
    base = f"http://127.0.0.1:{api.port}/{name}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_TOKEN": TOKEN, "ABFA_DATABASE": database, "ABFA_BASE_URL": f"{base}/bot",
           "ABFA_BASE_FILE_URL": f"{base}/file/bot", "ABFA_LOG_LEVEL": "INFO",
           "PYTHONWARNINGS": "ignore"}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)


def pollers(api: LocalBotAPI, since: float = 0) -> list[str]:
    return [caller for when, caller, method in api.traffic
            if method == "getUpdates" and when > since]


async def cut_lock_session(database: str) -> int:
    """End the leader lock's session on the server, as a network cut would; how many."""
    import asyncpg

    admin = await asyncpg.connect(database)
    try:
        return len(await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'abfa-bot leader' AND datname = current_database()"
            " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"))
    finally:
        await admin.close()


async def test_a_leader_that_loses_its_lock_connection_exits_and_the_standby_leads(
        postgres_database, tmp_path):
    api = LocalBotAPI().start()
    first = start_bot(postgres_database, api, "first", tmp_path / "first.log")
    second = None
    try:
        assert await asyncio.to_thread(api.wait_for, lambda: "first" in pollers(api), 60)
        second = start_bot(postgres_database, api, "second", tmp_path / "second.log")
        for _ in range(300):
            if "standing by" in (tmp_path / "second.log").read_text(errors="replace"):
                break
            await asyncio.sleep(0.1)
        assert "second" not in pollers(api)
        cut = time.time()
        assert await cut_lock_session(postgres_database) == 1
        # it notices at its next check (CHECK, 1 s); the bound is loose for a loaded machine
        assert await asyncio.to_thread(first.wait, 15) == LOST_LEADERSHIP
        assert await asyncio.to_thread(api.wait_for, lambda: "second" in pollers(api, cut), 10)
        log = (tmp_path / "first.log").read_text(errors="replace")
        assert "the leader lock's database connection is gone" in log
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 30) == 0
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        api.stop()
