"""The database: numbered migrations for both engines, recorded in schema_version; WAL and
foreign keys; transactions that roll back."""

from __future__ import annotations

import pytest

from bot.store import SqliteStore, open_store
from bot.store.engine import migration_files
from tests.conftest import new_database


async def test_migrations_apply_once_and_are_recorded(store, settings, engine):
    files = migration_files(engine)
    assert await store.schema_version() == files[-1][0]
    recorded = [tuple(r) for r in await store.db.fetchall(
        "SELECT version, name FROM schema_version ORDER BY version")]
    assert recorded == [(n, p.name) for n, p in files]
    await store.close()
    again = await open_store(settings.database)
    assert await again.db.migrate() == []  # nothing applied twice
    await again.close()


def test_both_engines_have_the_same_migrations():
    sqlite, postgresql = migration_files("sqlite"), migration_files("postgresql")
    assert [(n, p.name) for n, p in sqlite] == [(n, p.name) for n, p in postgresql]


def test_a_migration_left_outside_the_engine_folders_is_refused(tmp_path, monkeypatch):
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "008_throttle.sql").write_text("")
    monkeypatch.setattr("bot.store.engine.MIGRATIONS", tmp_path)
    with pytest.raises(ValueError, match=r"008_throttle\.sql"):
        migration_files("sqlite")


async def test_an_existing_sqlite_database_goes_on_upgrading(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    files = migration_files("sqlite")
    monkeypatch.setattr("bot.store.sqlite.migration_files", lambda engine: files[:1])
    old = await SqliteStore(path).open()
    assert await old.schema_version() == files[0][0]
    await old.close()
    monkeypatch.undo()
    store = await SqliteStore(path).open()
    assert await store.schema_version() == files[-1][0]
    await store.close()


async def test_wal_is_on(store, engine):
    if engine != "sqlite":
        pytest.skip("SQLite only")
    assert (await store.db.fetchone("PRAGMA journal_mode"))[0] == "wal"


async def test_foreign_keys_are_enforced(store):
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO links (chat_id, subscriber_id, nickname, created_at)"
                " VALUES (1, 999, 'x', 'now')")


async def test_a_failed_migration_rolls_back(engine, tmp_path, monkeypatch, request):
    (tmp_path / "001_good.sql").write_text("CREATE TABLE a (x INTEGER);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")
    files = [(int(p.name[:3]), p) for p in sorted(tmp_path.glob("*.sql"))]
    async with new_database(engine, tmp_path, request) as database:
        monkeypatch.setattr(f"bot.store.{engine}.migration_files", lambda engine: files)
        with pytest.raises(Exception, match="nope"):
            await open_store(database)
        monkeypatch.setattr(f"bot.store.{engine}.migration_files", lambda engine: files[:1])
        check = await open_store(database)  # only the good one: applied before the bad one
        assert [name for name, _ in await check.db.tables()] == ["a"]
        assert await check.schema_version() == 1
        await check.close()


def test_badly_named_migration_is_refused(tmp_path):
    (tmp_path / "1_x.sql").write_text("")
    with pytest.raises(ValueError, match=r"NNN_name\.sql"):
        migration_files("sqlite", tmp_path)


async def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chats (chat_id, created_at, updated_at) VALUES (5, 'a', 'a')")
            raise RuntimeError("boom")
    assert await store.chat(5) is None
