"""Crash test: the bot as a process, killed with SIGKILL at random moments, restarted, again.

`python -m bot run` polls bench/local_bot_api.py on 127.0.0.1. Scripted users (a thread
each) fill service requests («نصب سیفون اضافه»: subscription number, reason, map location,
a photo of the deed, confirm) up to their tracking codes, over and over, while the outbox
holds a broadcast (`--broadcast` messages inserted as an operator outage notice would be). A
killer thread SIGKILLs the bot at random moments and starts it again, `--kills` times. A
user who gets no answer sends the same thing again (as a person would). At the end the
bot runs until the outbox is empty, and the checks are:

* every tracking code a user was shown exists, belongs to that user's chat, and has the
  documents that user sent in that request; no code was shown twice;
* every outbox message was delivered (status sent, the recorded message id is a delivery
  of that text to that chat), and none was delivered again after the delivery recorded
  as sent (a delivery repeated *before* it, a crash between the API call and the mark,
  is allowed and counted);
* nothing was logged at ERROR or CRITICAL by the bot, and the token never was;
* no user was told that their draft was lost (a conversation state saved without the
  draft of the same update, issue 10 item 3).

Reported: `requests_never_shown` (a request stored, the process killed before its code
was sent: the user sees it in their list) and `same_draft_stored_twice` (must be 0: a
draft confirmed again after such a crash returns the request already stored).

    .venv/bin/python -m bench.crash --kills 20 --users 4 --broadcast 600   # by hand
    .venv/bin/python -m bench.crash --kills 3 --json                       # tests/test_crash.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.local_bot_api import Delivery, LocalBotAPI
from bot.text.i18n import default_locale, t
from bot.text.normalise import to_ascii_digits

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:crash-test-token-not-a-real-one"
OPERATORS_CHAT = -100_777
BROADCAST_CHATS = 800_000
SERVICE = "extra_siphon"
CODE = re.compile(r"[0-9۰-۹]{4}-[0-9۰-۹]{3}-[0-9۰-۹]{4}")


def opening(key: str) -> str:
    """The fixed start of a locale template (up to its first placeholder)."""
    return default_locale().strings[key].split("{", 1)[0].strip()


class BotProcess:
    """`python -m bot run` against the local Bot API; killed and restarted on demand."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        """Start the bot process (its output appended to the log file)."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                     cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.kills += 1

    def stop(self) -> None:
        """SIGTERM and wait (the normal shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Attempt:
    """One request a user is filling: the files sent for it."""

    files: list[str] = field(default_factory=list)


@dataclass
class User:
    """A scripted applicant who reacts to what the bot last said."""

    id: int
    subscription: str
    codes: dict[str, list[str]] = field(default_factory=dict)
    attempt: Attempt = field(default_factory=Attempt)
    photos: int = 0
    resends: int = 0
    last: tuple[str, Any] = ("text", "")

    def decide(self, replies: list[Delivery]) -> tuple[str, Any]:
        """The next action after these replies (none: send the last action again)."""
        if not replies:
            self.resends += 1
            return self.last
        texts = [d.text for d in replies]
        buttons = [data for d in replies for data in d.inline_data()]
        for text in texts:
            if text.startswith(opening("requests.submitted")) and (m := CODE.search(text)):
                code = to_ascii_digits(m.group()).replace("-", "")
                self.codes.setdefault(code, []).extend(self.attempt.files)
                self.attempt = Attempt()
                return self._do(("text", t("menu.services")))
        for data in ("svc:confirm", "svc:resume", f"svc:start:{SERVICE}", f"svc:info:{SERVICE}"):
            if data in buttons:
                return self._do(("press", data))
        joined = "\n".join(texts)
        if opening("requests.ask_subscription") in joined:
            return self._do(("text", self.subscription))
        if opening("requests.ask_location") in joined:
            return self._do(("location", (38.07 + random.random() / 100, 46.29)))
        if opening("requests.ask_document") in joined:
            self.photos += 1
            file_id = f"crash-{self.id}-{self.photos}"
            self.attempt.files.append(file_id)
            return self._do(("photo", file_id))
        if opening("requests.ask_text") in joined:
            return self._do(("text", "یک واحد مسکونی تازه در طبقه دوم ساخته شده است"))
        return self._do(("text", t("menu.services")))

    def _do(self, action: tuple[str, Any]) -> tuple[str, Any]:
        self.last = action
        return action


def payload(user: User, action: tuple[str, Any], message_id: int) -> dict[str, Any]:
    """The update a user's action makes."""
    sender = {"id": user.id, "is_bot": False, "first_name": "متقاضی"}
    base = {"message_id": message_id, "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": "متقاضی"}, "from": sender}
    kind, value = action
    if kind == "press":
        return {"callback_query": {"id": f"{user.id}-{message_id}", "from": sender,
                                   "chat_instance": "ci", "data": value,
                                   "message": {**base, "from": {"id": 1, "is_bot": True,
                                                                "first_name": "bot"},
                                               "text": "…"}}}
    if kind == "location":
        return {"message": {**base, "location": {"latitude": value[0], "longitude": value[1]}}}
    if kind == "photo":
        return {"message": {**base, "photo": [{"file_id": value, "file_unique_id": f"u{value}",
                                               "width": 1280, "height": 960,
                                               "file_size": 200_000}]}}
    entities = [{"type": "bot_command", "offset": 0, "length": len(value.split()[0])}] \
        if value.startswith("/") else []
    return {"message": {**base, "text": value, **({"entities": entities} if entities else {})}}


def prepare(database: Path, users: int, broadcast: int) -> list[str]:
    """Demo subscribers for the users, and a broadcast waiting in the outbox (a database
    left by an earlier run in the same folder is replaced)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "ABFA_DATABASE": str(database)}
    subprocess.run([sys.executable, "-m", "bot", "demo-data", "--database", str(database),
                    "--size", str(users), "--seed", "5"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    conn = sqlite3.connect(database)
    numbers = [r[0] for r in conn.execute(
        "SELECT subscription_number FROM subscribers ORDER BY id LIMIT ?", (users,))]
    now = "2000-01-01T00:00:00+00:00"
    conn.executemany(
        "INSERT INTO outbox (chat_id, kind, text, dedupe_key, not_before, created_at)"
        " VALUES (?, 'broadcast', ?, ?, ?, ?)",
        [(BROADCAST_CHATS + n, f"📢 قطعی آب آزمایشی، پیام {n}", f"crash:{n}", now, now)
         for n in range(broadcast)])
    conn.commit()
    conn.close()
    return numbers


def killer(bot: BotProcess, api: LocalBotAPI, kills: int, done: threading.Event,
           rng: random.Random) -> None:
    """Kill the bot at random moments after it is up, restart it, `kills` times."""
    while bot.kills < kills and not done.is_set():
        polls = api.polls
        api.wait_for(lambda p=polls: api.polls > p, 30)  # the new process is polling
        time.sleep(rng.uniform(0.2, 2.5))
        bot.kill()
        time.sleep(rng.uniform(0.0, 0.5))
        bot.start()


def drive(api: LocalBotAPI, user: User, stop: threading.Event, wait: float) -> None:
    """The user acts, waits for the answer, and acts again, until told to stop."""
    replies: list[Delivery] = []
    message_id = 0
    while not stop.is_set():
        action = user.decide(replies)
        since = api.last_seq()
        message_id += 1
        api.push(payload(user, action, message_id))
        api.wait_for(lambda s=since: _settled(api, user.id, s), wait)
        replies = api.delivered(user.id, since)


def _settled(api: LocalBotAPI, chat_id: int, since: int) -> bool:
    """An answer came and nothing more arrived for a moment (multi-message answers)."""
    got = api.delivered(chat_id, since)
    return bool(got) and time.time() - got[-1].at > 0.15


def check(database: Path, api: LocalBotAPI, users: list[User], log_path: Path) -> dict[str, Any]:
    """The invariants; every broken one is listed under "problems"."""
    conn = sqlite3.connect(database)
    conn.row_factory = sqlite3.Row
    problems: list[str] = []
    shown = [code for u in users for code in u.codes]
    if len(shown) != len(set(shown)):
        problems.append(f"a code was shown twice: {sorted(shown)}")
    for user in users:
        for code, files in user.codes.items():
            row = conn.execute("SELECT id, chat_id FROM requests WHERE code=?", (code,)).fetchone()
            if row is None:
                problems.append(f"code {code} shown to {user.id} is not in the database")
                continue
            if row["chat_id"] != user.id:
                problems.append(f"code {code} belongs to chat {row['chat_id']}, not {user.id}")
            stored = {r[0] for r in conn.execute(
                "SELECT file_id FROM documents WHERE request_id=?", (row["id"],))}
            if not stored or not stored <= set(files):
                problems.append(f"request {code}: documents {sorted(stored)}, sent {files}")
    duplicates = conn.execute(
        "SELECT code, COUNT(*) FROM requests GROUP BY code HAVING COUNT(*) > 1").fetchall()
    if duplicates:
        problems.append(f"duplicate codes in the database: {duplicates}")
    codes_in_db = {r[0] for r in conn.execute("SELECT code FROM requests")}
    resubmitted = conn.execute(
        "SELECT COUNT(*) - COUNT(DISTINCT files) FROM (SELECT group_concat(file_id) AS files"
        " FROM documents GROUP BY request_id)").fetchone()[0]
    outbox = conn.execute("SELECT * FROM outbox ORDER BY id").fetchall()
    deliveries = api.delivered()
    by_message = {d.message_id: d for d in deliveries}
    repeats_before_mark = 0
    unsent: dict[str, int] = {}
    for row in outbox:
        if row["status"] != "sent":
            key = f"{row['kind']} {row['status']}"
            unsent[key] = unsent.get(key, 0) + 1
            continue
        marked = by_message.get(row["message_id"])
        if marked is None or marked.chat_id != row["chat_id"] or marked.text != row["text"]:
            problems.append(f"outbox {row['id']}: its message id is not a delivery of it")
            continue
        same = [d for d in deliveries if d.chat_id == row["chat_id"] and d.text == row["text"]]
        after = [d for d in same if d.seq > marked.seq]
        if after:
            problems.append(f"outbox {row['id']} was sent again after it was marked sent")
        repeats_before_mark += len(same) - 1 - len(after)
    problems += [f"{count} outbox messages ({what}) were not delivered"
                 for what, count in unsent.items()]
    # No row is damaged in this run, so a user told that their draft or state was lost
    # means a kill persisted a conversation state and a draft of different updates.
    lost = [d for d in deliveries if d.text in (t("errors.draft_lost"), t("errors.state_lost"))]
    if lost:
        problems.append(f"{len(lost)} users were told their draft was lost (chat "
                        f"{lost[0].chat_id}): state and draft saved at different updates")
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log_text.splitlines() if " ERROR " in line or " CRITICAL " in line]
    if errors:
        problems.append(f"{len(errors)} ERROR lines in the bot's log, first: {errors[0]}")
    if TOKEN in log_text or TOKEN.split(":")[1] in log_text:
        problems.append("the token appears in the bot's log")
    conn.close()
    return {"codes_shown": len(shown), "requests_in_db": len(codes_in_db),
            "requests_never_shown": len(codes_in_db - set(shown)),
            "same_draft_stored_twice": resubmitted,
            "documents_sent": sum(u.photos for u in users),
            "outbox_messages": len(outbox), "deliveries": len(deliveries),
            "outbox_repeats_before_mark": repeats_before_mark,
            "user_resends": sum(u.resends for u in users), "problems": problems}


def run(kills: int, users_count: int, broadcast: int, seed: int, folder: Path,
        wait: float = 4.0) -> dict[str, Any]:
    """The whole crash test; returns the figures and the problems found."""
    rng = random.Random(seed)
    random.seed(seed)
    database, log_path = folder / "crash.sqlite3", folder / "bot.log"
    log_path.unlink(missing_ok=True)
    numbers = prepare(database, users_count, broadcast)
    api = LocalBotAPI(log_path=folder / "delivered.jsonl", per_second=30).start()
    env = {**os.environ, "ABFA_TOKEN": TOKEN, "ABFA_BASE_URL": api.base_url,
           "ABFA_BASE_FILE_URL": api.base_file_url, "ABFA_DATABASE": str(database),
           "ABFA_OPERATORS_CHAT": str(OPERATORS_CHAT), "ABFA_OPERATORS": "900001",
           "ABFA_LOG_LEVEL": "INFO", "PYTHONWARNINGS": "ignore"}
    bot = BotProcess(env, log_path)
    users = [User(700_001 + n, number) for n, number in enumerate(numbers)]
    started = time.monotonic()
    bot.start()
    done = threading.Event()
    drivers = [threading.Thread(target=drive, args=(api, user, done, wait), daemon=True)
               for user in users]
    for driver in drivers:
        driver.start()
    killer(bot, api, kills, done, rng)
    api.wait_for(lambda: all(u.codes for u in users), 60)
    done.set()
    for driver in drivers:
        driver.join(wait * 3)
    last, idle = _pending(database), time.monotonic()
    while last and time.monotonic() - idle < 15:  # until empty, or no progress for 15 s
        time.sleep(0.5)
        if (now := _pending(database)) != last:
            last, idle = now, time.monotonic()
    time.sleep(1.0)
    bot.stop()
    api.stop()
    figures = {"kills": bot.kills, "starts": bot.starts, "users": users_count,
               "seconds": round(time.monotonic() - started, 1),
               "floods": api.floods, **check(database, api, users, log_path)}
    return figures


def _pending(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE status='pending'")
                   .fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    """Run, print the figures; exit 1 when an invariant is broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--broadcast", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="folder for the database and logs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="abfa-crash-"))
    folder.mkdir(parents=True, exist_ok=True)
    figures = run(args.kills, args.users, args.broadcast, args.seed, folder)
    return report(figures, folder, as_json=args.json)


def report(figures: dict[str, Any], folder: Path, *, as_json: bool) -> int:
    """Print a run's figures (as JSON or a line each); exit status 1 when a check failed."""
    figures["folder"] = str(folder)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
