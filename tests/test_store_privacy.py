"""The database's files are private to the bot's user (issue 10, item 14) and no SQL
parameter (a phone number…) reaches the logs at any level, from any driver (item 20)."""

from __future__ import annotations

import logging
import os
import stat

from bot.store import SqliteStore
from tests.requests_fixtures import seed_subscriber

PHONE = "09123456789"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_new_database_directory_and_files_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "abfa.sqlite3"
        store = await SqliteStore(path).open()
        await store.upsert_chat(1, 1, "مریم", None)
        assert mode(path.parent) == 0o700
        for name in ("abfa.sqlite3", "abfa.sqlite3-wal", "abfa.sqlite3-shm"):
            assert (path.parent / name).exists(), name
            assert mode(path.parent / name) == 0o600, name
        await store.close()
    finally:
        os.umask(old)


async def test_an_existing_world_readable_database_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    store = await SqliteStore(path).open()
    await store.upsert_chat(1, 1, "مریم", None)
    await store.close()
    for name in ("old.sqlite3", "old.sqlite3-wal", "old.sqlite3-shm"):
        if (tmp_path / name).exists():
            os.chmod(tmp_path / name, 0o644)
    store = await SqliteStore(path).open()
    assert mode(path) == 0o600
    assert all(mode(p) == 0o600 for p in tmp_path.glob("old.sqlite3-*"))
    await store.close()


async def test_no_sql_parameter_reaches_a_debug_log(store, caplog):
    caplog.set_level(logging.DEBUG)
    await store.upsert_chat(4242, 4242, "مریم", None)
    await store.set_verified_phone(4242, PHONE)
    assert (await store.chat(4242)).phone == PHONE
    subscriber = await seed_subscriber(store, phone=PHONE)
    assert (await store.subscriber(subscriber.id)).phone == PHONE
    assert PHONE not in caplog.text


async def test_a_failed_statement_carries_no_personal_data(store, caplog):
    """PostgreSQL's errors show the failing row (DETAIL) and asyncpg's the bad value:
    neither may reach a log with the traceback."""
    errors = []
    for bad in ({"name": None}, {"zone": PHONE}):  # NOT NULL; a phone where a number goes
        try:
            await seed_subscriber(store, phone=PHONE, **bad)
        except Exception as exc:
            errors.append(exc)
            logging.getLogger("test").error("the import failed", exc_info=exc)
    assert errors  # at least the NOT NULL one, on every engine
    assert PHONE not in caplog.text
    assert all(PHONE not in str(exc) for exc in errors)
