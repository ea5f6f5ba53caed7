"""Fixtures: a real store (a temporary SQLite file, and a fresh PostgreSQL schema when
asked for), the real Application over a fake Bot API.

Every test that uses the `store` fixture (directly, or through `running`) runs on each
engine: SQLite always, PostgreSQL too when `--postgres URL` or the environment variable
ABFA_TEST_POSTGRES gives a server (see README). Tests without a store run once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from bot.runtime.app import AbfaApplication, build_application
from bot.runtime.settings import Settings, load_settings
from bot.store import Store, open_store
from bot.tools.simulator import FakeBotAPI, SimUser

OPERATOR_ID = 900001
ENGINES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", default=os.environ.get("ABFA_TEST_POSTGRES") or None,
                     metavar="URL", help="also run the store's tests on this PostgreSQL server "
                     "(each test in a schema of its own); default: $ABFA_TEST_POSTGRES")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "one_engine: a test that uses the store but runs on "
                            "SQLite only (what it tries does not depend on the engine)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that use the store, or ask for the engine, run on every engine asked for
    (but `one_engine` ones)."""
    asks = "store" in metafunc.fixturenames or "engine" in inspect.signature(
        metafunc.function).parameters
    if asks and not metafunc.definition.get_closest_marker("one_engine"):
        engines = ENGINES if metafunc.config.getoption("postgres") else ENGINES[:1]
        metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of this test's database (SQLite unless parametrized)."""
    return getattr(request, "param", "sqlite")


def with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (asyncpg passes unknown query
    parameters to the server as settings)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


@contextlib.asynccontextmanager
async def fresh_schema(server: str) -> AsyncIterator[str]:
    """The URL of a new, empty schema on a PostgreSQL server, dropped afterwards."""
    import asyncpg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_schema(server, schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@contextlib.asynccontextmanager
async def new_database(engine: str, tmp_path: Path, request: pytest.FixtureRequest,
                       name: str = "new") -> AsyncIterator[str]:
    """Another empty database of an engine: a new file, or a new PostgreSQL schema."""
    if engine == "postgresql":
        async with fresh_schema(request.config.getoption("postgres")) as url:
            yield url
    else:
        yield str(tmp_path / f"{name}.sqlite3")


class SharedSchema:
    """One migrated PostgreSQL schema per test session, emptied before each test: as good
    as a fresh one (rows deleted, identities restarted), ten times quicker to get than a
    new schema and its migrations. A schema that cannot be emptied (a lock left by a
    failed test) is replaced by a new one."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.empty_it = ""
        self.schemas: list[str] = []

    async def get(self, server: str) -> str:
        """The shared schema's URL, emptied."""
        import asyncpg

        if self.url is not None:
            try:
                conn = await asyncpg.connect(self.url, server_settings={"lock_timeout": "5s"})
                try:
                    await conn.execute(self.empty_it)
                finally:
                    await conn.close()
                return self.url
            except asyncpg.PostgresError:
                self.url = None
        schema = f"test_{uuid.uuid4().hex[:16]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f"CREATE SCHEMA {schema}")
        await admin.close()
        self.schemas.append(schema)
        store = await open_store(with_schema(server, schema))
        tables = [name for name, _ in await store.db.tables()]
        identities = await store.db.fetchall(
            "SELECT pg_get_serial_sequence(table_name, column_name) FROM"
            " information_schema.columns WHERE table_schema = current_schema()"
            " AND is_identity = 'YES'")
        await store.close()
        self.empty_it = "".join(
            [f"DELETE FROM {table};" for table in reversed(tables)]
            + [f"ALTER SEQUENCE {row[0]} RESTART;" for row in identities])
        self.url = with_schema(server, schema)
        return self.url

    def drop_all(self, server: str) -> None:
        """Drop every schema this session made."""
        import asyncpg

        async def drop() -> None:
            admin = await asyncpg.connect(server)
            for schema in self.schemas:
                await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            await admin.close()

        if self.schemas:
            asyncio.run(drop())


@pytest.fixture(scope="session")
def shared_schema(request: pytest.FixtureRequest) -> Iterator[SharedSchema]:
    """The session's PostgreSQL test schema (dropped at the end)."""
    shared = SharedSchema()
    yield shared
    shared.drop_all(request.config.getoption("postgres"))


@pytest.fixture
async def database(engine: str, tmp_path: Path, request: pytest.FixtureRequest
                   ) -> AsyncIterator[str]:
    """A fresh database: a new SQLite file, or the session's PostgreSQL schema emptied."""
    if engine == "sqlite":
        yield str(tmp_path / "abfa.sqlite3")
        return
    shared = request.getfixturevalue("shared_schema")
    yield await shared.get(request.config.getoption("postgres"))


@pytest.fixture
async def postgres_database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh PostgreSQL schema next to the test's own database (skips without a server)."""
    server = request.config.getoption("postgres")
    if not server:
        pytest.skip("no PostgreSQL server (--postgres or ABFA_TEST_POSTGRES)")
    async with fresh_schema(server) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ABFA_* variable or .env of the developer leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("ABFA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(database: str) -> Settings:
    """Settings for tests: one operator, a fresh database."""
    return load_settings(database=database, operators=frozenset({OPERATOR_ID}),
                         emergency_phone="۱۲۲")


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The real store on the test's fresh database (each engine in turn)."""
    opened = await open_store(settings.database)
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

    def __init__(self, settings: Settings, store: Store, api: FakeBotAPI) -> None:
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
        await self.store.close()
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
async def running(settings: Settings, store: Store, api: FakeBotAPI) -> AsyncIterator[Running]:
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
