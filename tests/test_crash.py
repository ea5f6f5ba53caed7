"""Crashes (issue 7, item 5), short version: bench/crash.py with a few SIGKILL cycles.

The bot runs as a process against bench/local_bot_api.py; it is killed at random moments
while users fill service requests with documents and a broadcast waits in the outbox
(the long run and its figures: docs/reliability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KILLS = 3


@pytest.fixture(scope="module")
def crash_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One short crash run (about 30 s), shared by the tests below."""
    folder = tmp_path_factory.mktemp("crash")
    done = subprocess.run(
        [sys.executable, "-m", "bench.crash", "--kills", str(KILLS), "--users", "2",
         "--broadcast", "90", "--seed", "7", "--json", "--out", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder)},
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_bot_was_killed_and_restarted(crash_run):
    assert crash_run["kills"] == KILLS
    assert crash_run["starts"] == KILLS + 1


def test_every_code_shown_exists_with_its_documents_and_none_twice(crash_run):
    request_problems = [p for p in crash_run["problems"] if "outbox" not in p]
    assert request_problems == []
    assert crash_run["codes_shown"] >= 2
    assert crash_run["requests_in_db"] >= crash_run["codes_shown"]
    assert crash_run["same_draft_stored_twice"] == 0


def test_every_outbox_message_is_delivered_and_none_sent_again_once_marked(crash_run):
    outbox_problems = [p for p in crash_run["problems"] if "outbox" in p]
    assert outbox_problems == []
    assert crash_run["outbox_messages"] >= 90
    assert crash_run["deliveries"] >= crash_run["outbox_messages"]
