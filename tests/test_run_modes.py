"""`python -m bot run` as a real process in webhook mode against a local Bot API: the
webhook is registered, updates POSTed to it are answered, and SIGTERM stops it. Only the
messenger can post (issue 10, item 5): on Telegram the secret-token header is always
required (a random one when none is set); on Bale, which sends none, the path carries
ABFA_WEBHOOK_SECRET, and without a strong one the bot refuses to start, naming it."""

from __future__ import annotations

import contextlib
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
PATH_SECRET = "Qm9fH2xk-7pLr_VtZ81cWsYeNaJd0uBo"  # 32 URL-safe characters, as token_urlsafe
TOKEN_PATH = hashlib.sha256(TOKEN.encode()).hexdigest()[:32]


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


def post(port: int, body: bytes, secret: str | None, path: str = TOKEN_PATH) -> int:
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


def run_bot(tmp_path: Path, api: LocalBotAPI, port: int, platform: str,
            secret: str | None = SECRET) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_TOKEN": TOKEN, "ABFA_PLATFORM": platform, "ABFA_BASE_URL": api.base_url,
           "ABFA_BASE_FILE_URL": api.base_file_url, "ABFA_DATABASE": str(tmp_path / "db.sqlite3"),
           "ABFA_WEBHOOK_URL": "https://bot.example.invalid/hook", "ABFA_WEBHOOK_PORT": str(port),
           "ABFA_WEBHOOK_LISTEN": "127.0.0.1", "PYTHONWARNINGS": "ignore",
           **({"ABFA_WEBHOOK_SECRET": secret} if secret else {})}
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


def _greets(local_api, tmp_path, chat: int) -> None:
    greeted = local_api.wait_for(
        lambda: any(d.text.startswith("سلام مریم") for d in local_api.delivered(chat)), 15)
    assert greeted, (tmp_path / "bot.log").read_text(errors="replace")[-2000:]


@contextlib.contextmanager
def serving(tmp_path: Path, api: LocalBotAPI, platform: str, secret: str | None):
    """The bot process in webhook mode, listening: (port, process); killed if still up."""
    port = free_port()
    proc = run_bot(tmp_path, api, port, platform, secret)
    try:
        wait_listening(port, proc)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0


@pytest.mark.parametrize("secret", [SECRET, None], ids=["secret set", "no secret set"])
def test_telegram_webhook_always_requires_the_secret_header(tmp_path, local_api, secret):
    with serving(tmp_path, local_api, "telegram", secret) as (port, proc):
        assert local_api.calls["setWebhook"] >= 1 and local_api.webhook is not None
        registered = local_api.webhook["secret_token"]
        assert registered == secret if secret else len(registered) >= 32
        assert post(port, start_update(1, 501), None) == 403  # a forged post: refused
        assert post(port, start_update(2, 501), "wrong-secret") == 403
        assert post(port, start_update(3, 501), registered) == 200
        _greets(local_api, tmp_path, 501)
        assert t("menu.bills") in json.dumps(local_api.delivered(501)[-1].reply_markup,
                                             ensure_ascii=False)
        _stop(proc)
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert local_api.webhook["secret_token"] not in log


def test_bale_webhook_path_carries_the_secret(tmp_path, local_api):
    with serving(tmp_path, local_api, "bale", PATH_SECRET) as (port, proc):
        assert local_api.webhook["url"] == f"https://bot.example.invalid/hook/{PATH_SECRET}"
        assert "secret_token" not in local_api.webhook  # Bale would not send it back
        assert post(port, start_update(1, 502), None) == 404  # the old, guessable path
        assert post(port, start_update(2, 502), None, path="x" * 32) == 404
        assert post(port, start_update(3, 502), None, path=PATH_SECRET) == 200
        _greets(local_api, tmp_path, 502)
        _stop(proc)
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert PATH_SECRET not in log and TOKEN not in log


@pytest.mark.parametrize(("platform", "secret"), [
    ("bale", None), ("bale", SECRET), ("bale", "a" * 40), ("telegram", "has spaces & signs"),
])
def test_a_webhook_that_cannot_be_made_safe_refuses_to_start(tmp_path, local_api, platform,
                                                             secret):
    proc = run_bot(tmp_path, local_api, free_port(), platform, secret)
    assert proc.wait(30) == 2
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "ABFA_WEBHOOK_SECRET" in log
    assert local_api.calls["setWebhook"] == 0
    if secret:
        assert secret not in log
