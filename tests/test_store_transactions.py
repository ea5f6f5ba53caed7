"""The writer is never left inside a transaction, whatever is cancelled or fails, and the
store recovers by itself once a held lock, a full disk or a dropped connection is gone
(issue 10, item 1). PostgreSQL's tests run when a server is given (see conftest)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.store import SqliteStore, open_store
from bot.store.request_models import NewRequest


@pytest.fixture
async def sqlite_store(tmp_path):
    store = await SqliteStore(tmp_path / "t.sqlite3").open()
    yield store
    await store.close()


async def test_cancelled_while_begin_waits_for_a_lock_then_writes_go_on(sqlite_store, tmp_path):
    other = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process (an import, a backup) holds the lock
    waiting = asyncio.create_task(sqlite_store.upsert_chat(1, 1, "الف", None))
    await asyncio.sleep(0.3)  # the store's BEGIN IMMEDIATE waits in aiosqlite's thread
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 1)  # the cancelled caller goes on at once
    other.execute("COMMIT")  # the lock is free again: the cancelled BEGIN now succeeds
    other.close()
    await asyncio.wait_for(sqlite_store.upsert_chat(2, 2, "ب", None), 10)
    assert await sqlite_store.chat(2) is not None
    assert await sqlite_store.chat(1) is None  # the cancelled write left nothing behind
    assert not sqlite_store.db.reader.in_transaction


async def test_cancelled_in_the_middle_of_a_transaction(sqlite_store):
    async def slow_write() -> None:
        async with sqlite_store.db.transaction() as conn:
            await conn.execute("INSERT INTO chats (chat_id, created_at, updated_at)"
                               " VALUES (3, 'a', 'a')")
            await asyncio.sleep(10)

    task = asyncio.create_task(slow_write())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(sqlite_store.upsert_chat(4, 4, "پ", None), 10)
    assert await sqlite_store.chat(3) is None and await sqlite_store.chat(4) is not None


async def test_a_full_disk_fails_the_write_and_the_next_one_succeeds_once_freed(sqlite_store):
    writer = sqlite_store.db._writer
    pages = (await sqlite_store.db.fetchone("PRAGMA page_count"))[0]
    await writer.execute(f"PRAGMA max_page_count={pages}")  # the disk is full
    for _ in range(2):
        with pytest.raises(sqlite3.OperationalError, match="full"):
            await sqlite_store.upsert_chat(5, 5, "ت" * 50_000, None)
    await writer.execute("PRAGMA max_page_count=1073741823")  # space was freed
    await sqlite_store.upsert_chat(6, 6, "ث" * 50_000, None)
    assert await sqlite_store.chat(6) is not None and await sqlite_store.chat(5) is None


async def test_a_failed_commit_is_rolled_back(sqlite_store):
    """A COMMIT that fails leaves SQLite inside the transaction (here: a deferred foreign
    key); the store must roll it back, not leave it open for the next writer."""
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with sqlite_store.db.transaction() as conn:
            await conn.execute("PRAGMA defer_foreign_keys=ON")
            await conn.execute("INSERT INTO links (chat_id, subscriber_id, nickname, created_at)"
                               " VALUES (1, 999, 'x', 'a')")
    await sqlite_store.upsert_chat(7, 7, "ج", None)
    assert await sqlite_store.chat(7) is not None


async def test_close_waits_for_a_rollback_in_flight(sqlite_store, tmp_path):
    other = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    waiting = asyncio.create_task(sqlite_store.upsert_chat(8, 8, "چ", None))
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    closing = asyncio.create_task(sqlite_store.close())
    await asyncio.sleep(0.2)
    assert not closing.done()  # the clean-up still holds the writer
    other.execute("ROLLBACK")
    other.close()
    await asyncio.wait_for(closing, 10)
    await sqlite_store.open()
    await sqlite_store.upsert_chat(9, 9, "ح", None)
    assert await sqlite_store.chat(9) is not None


async def test_postgresql_cancelled_while_waiting_for_a_row_lock(postgres_database):
    import asyncpg

    store = await open_store(postgres_database)
    request = await store.create_request(NewRequest(
        kind="incident", service="leak", chat_id=1, user_id=1, stage="registered"))
    holder = await asyncpg.connect(postgres_database)  # an operator's CLI, mid-transaction
    held = holder.transaction()
    await held.start()
    await holder.execute("SELECT id FROM requests WHERE id=$1 FOR UPDATE", request.id)

    async def note() -> None:
        async with store.unit() as uow:
            locked = await uow.lock_request(request.code)  # waits for the holder
            await uow.add_audit("cli:test", "note", {}, request_id=locked.id)

    waiting = asyncio.create_task(note())
    await asyncio.sleep(0.3)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 5)
    await held.rollback()
    await holder.close()
    await asyncio.wait_for(note(), 10)  # the same write now goes through
    notes = [r for r in await store.request_rows(request.id, "audit") if r["action"] == "note"]
    assert len(notes) == 1  # the cancelled one left nothing behind
    await store.close()


async def test_postgresql_recovers_when_its_connection_is_killed(postgres_database):
    import asyncpg

    store = await open_store(postgres_database)
    await store.upsert_chat(1, 1, "الف", None)
    pid = (await store.db.fetchone("SELECT pg_backend_pid()"))[0]
    admin = await asyncpg.connect(postgres_database)
    await admin.execute("SELECT pg_terminate_backend($1)", pid)  # a restart, a network cut
    await admin.close()
    await store.upsert_chat(2, 2, "ب", None)  # a write on the dropped connection
    assert await store.chat(2) is not None
    for pid in {row[0] for row in await asyncio.gather(
            *[store.db.fetchone("SELECT pg_backend_pid()") for _ in range(3)])}:
        admin = await asyncpg.connect(postgres_database)
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        await admin.close()
    assert await store.chat(1) is not None  # a read on a dropped connection
    await store.close()
