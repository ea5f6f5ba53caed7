"""Fixtures: a real store on a temporary file, the real Application over a fake Bot API."""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import AbfaApplication, build_application
from bot.settings import Settings, load_settings
from bot.store import SqliteStore
from bot.tools.simulator import FakeBotAPI, SimUser

OPERATOR_ID = 900001


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ABFA_* variable or .env of the developer leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("ABFA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for tests: one operator, a temporary database."""
    return load_settings(
        database=tmp_path / "abfa.sqlite3", operators=frozenset({OPERATOR_ID}),
        emergency_phone="۱۲۲",
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[SqliteStore]:
    """The real store on a temporary SQLite file."""
    opened = await SqliteStore(settings.database).open()
    yield opened
    await opened.close()


ASCII_DIGIT = re.compile(r"[0-9]")


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """The fake Bot API layer (records every call). After the test, every text the bot
    sent is checked: Persian digits only, in messages, captions and button labels."""
    fake = FakeBotAPI()
    yield fake
    shown = [c.text for c in fake.sent()]
    shown += [label for c in fake.sent() for row in c.inline for label, _ in row]
    shown += [label for c in fake.sent() for row in c.keyboard for label in row]
    ascii_digits = [text for text in shown if ASCII_DIGIT.search(text)]
    assert ascii_digits == [], f"ASCII digits sent to users: {ascii_digits[:3]}"


class Running:
    """The application under test; `restart()` rebuilds it on the same database."""

    def __init__(self, settings: Settings, store: SqliteStore, api: FakeBotAPI) -> None:
        self.settings, self.store, self.api = settings, store, api
        self.app: AbfaApplication | None = None

    async def start(self) -> AbfaApplication:
        """Build and initialise a fresh application (loads persisted state)."""
        self.app = build_application(self.settings, self.store, request=self.api)
        await self.app.initialize()
        return self.app

    async def stop(self, graceful: bool = True) -> None:
        """Shut down; graceful=False skips the final persistence flush (like kill -9)."""
        if self.app is None:
            return
        if graceful:
            await self.app.shutdown()
        else:
            self.app._initialized = False
        self.app = None

    async def restart(self, graceful: bool = False) -> AbfaApplication:
        """Stop (by default as abruptly as kill -9) and start again on the same store."""
        await self.stop(graceful)
        db_path = self.store.db.path
        await self.store.close()
        self.store.db.__init__(db_path)
        await self.store.open()
        return await self.start()

    def user(self, user_id: int, first_name: str = "مشترک", **where: Any) -> SimUser:
        """A user talking to the current application (follows restarts); `chat=` and
        `sender_chat=` put them in a group (see SimUser)."""
        return _FollowingUser(self, user_id, first_name, **where)


class _FollowingUser(SimUser):
    def __init__(self, running: Running, user_id: int, first_name: str, **where: Any) -> None:
        assert running.app is not None
        super().__init__(running.app, running.api, user_id, first_name, **where)
        self._running = running

    async def _feed(self, payload):  # type: ignore[override]
        assert self._running.app is not None
        self.app = self._running.app
        return await super()._feed(payload)


@pytest.fixture
async def running(settings: Settings, store: SqliteStore, api: FakeBotAPI) -> AsyncIterator[Running]:
    """The real application, initialised, over the fake Bot API."""
    env = Running(settings, store, api)
    await env.start()
    yield env
    await env.stop()


UserFactory = Callable[[int], SimUser]
AsyncFactory = Callable[..., Awaitable[object]]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the fuzz run's seed (tests/test_fuzz.py), so any run can be replayed."""
    fuzz = sys.modules.get("test_fuzz") or sys.modules.get("tests.test_fuzz")
    if fuzz is not None:
        terminalreporter.write_line(
            f"fuzz seed: {fuzz.SEED} ({fuzz.EXAMPLES} examples per entry; replay with "
            f"FUZZ_SEED={fuzz.SEED})")
