"""`python -m bot run` as a real process in webhook mode against a local Bot API: the
webhook is registered, updates POSTed to it are answered, Telegram's secret-token header
is required while Bale (which sends none) works without it, and SIGTERM stops it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.local_bot_api import LocalBotAPI
from bot.text.i18n import t

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:WEBHOOK-test-token-abcdefghijk"
SECRET = "s3cret-header-value"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_update(n: int, chat: int) -> bytes:
    return json.dumps({"update_id": n, "message": {
        "message_id": n, "date": int(time.time()), "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": chat, "type": "private", "first_name": "مریم"},
        "from": {"id": chat, "is_bot": False, "first_name": "مریم"}}}).encode()


def post(port: int, body: bytes, secret: str | None) -> int:
    path = hashlib.sha256(TOKEN.encode()).hexdigest()[:32]
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", body, headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture
def local_api(tmp_path):
    api = LocalBotAPI(log_path=tmp_path / "deliveries.jsonl").start()
    yield api
    api.stop()


def run_bot(tmp_path: Path, api: LocalBotAPI, port: int, platform: str) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_TOKEN": TOKEN, "ABFA_PLATFORM": platform, "ABFA_BASE_URL": api.base_url,
           "ABFA_BASE_FILE_URL": api.base_file_url, "ABFA_DATABASE": str(tmp_path / "db.sqlite3"),
           "ABFA_WEBHOOK_URL": "https://bot.example.invalid/hook", "ABFA_WEBHOOK_PORT": str(port),
           "ABFA_WEBHOOK_LISTEN": "127.0.0.1", "ABFA_WEBHOOK_SECRET": SECRET,
           "PYTHONWARNINGS": "ignore"}
    log = (tmp_path / "bot.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the bot exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the webhook server did not start")


@pytest.mark.parametrize(("platform", "needs_secret"), [("telegram", True), ("bale", False)])
def test_webhook_mode_answers_and_stops_on_sigterm(tmp_path, local_api, platform, needs_secret):
    port = free_port()
    proc = run_bot(tmp_path, local_api, port, platform)
    try:
        wait_listening(port, proc)
        assert local_api.calls["setWebhook"] >= 1
        without = post(port, start_update(1, 501), None)
        if needs_secret:
            assert without == 403  # Telegram: an update without the secret header is refused
            assert post(port, start_update(2, 501), SECRET) == 200
        else:
            assert without == 200  # Bale sends no secret header: it must not be required
        greeted = local_api.wait_for(
            lambda: any(d.text.startswith("سلام مریم") for d in local_api.delivered(501)), 15)
        assert greeted, (tmp_path / "bot.log").read_text(errors="replace")[-2000:]
        assert t("menu.bills") in json.dumps(local_api.delivered(501)[-1].reply_markup,
                                             ensure_ascii=False)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
