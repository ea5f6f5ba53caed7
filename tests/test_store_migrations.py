"""The database: WAL, foreign keys, numbered migrations recorded in schema_version."""

from __future__ import annotations

import pytest

from bot.store import SqliteStore
from bot.store.engine import migration_files


async def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = tmp_path / "m.sqlite3"
    store = await SqliteStore(path).open()
    files = migration_files("sqlite")
    assert await store.schema_version() == files[-1][0]
    recorded = [tuple(r) for r in await store.db.fetchall("SELECT version, name FROM schema_version")]
    assert recorded == [(n, p.name) for n, p in files]
    await store.close()
    again = await SqliteStore(path).open()
    assert await again.db.migrate() == []  # nothing applied twice
    await again.close()


async def test_wal_and_foreign_keys_are_on(store):
    assert (await store.db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO links (chat_id, subscriber_id, nickname, created_at)"
                " VALUES (1, 999, 'x', 'now')")


async def test_a_failed_migration_rolls_back(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_good.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "002_bad.sql").write_text("CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")
    monkeypatch.setattr("bot.store.sqlite.migration_files", lambda engine: _files(folder))
    store = SqliteStore(tmp_path / "f.sqlite3")
    with pytest.raises(Exception, match="nope"):
        await store.open()
    async with store.db._writer.execute(
            "SELECT name FROM sqlite_master WHERE name IN ('a', 'b')") as cur:
        assert [r[0] for r in await cur.fetchall()] == ["a"]
    await store.db._writer.close()


def _files(folder):
    return [(int(p.name[:3]), p) for p in sorted(folder.glob("*.sql"))]


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
