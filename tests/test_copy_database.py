"""`python -m bot copy-database FROM TO`: SQLite into PostgreSQL and back, checked by row
counts and checksums per table; a non-empty target is refused unless told."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.runtime.cli import main
from bot.store import open_store
from bot.store.copy import CopyError, TableSum, copy_database, table_sums
from bot.store.request_models import NewDocument, NewRequest
from bot.tools.demo_data import generate
from tests.conftest import new_database


async def fill(store) -> None:
    """Some of everything: subscribers, bills, readings, a request with its documents and
    history, a chat with a verified link, outbox rows, PTB state."""
    await generate(store, 12, seed=5, periods=2)
    sub = (await store.sample_subscribers(1))[0]
    await store.upsert_chat(10**10 + 7, 10**10 + 7, "مریم", "maryam")  # ids past 32 bits
    await store.set_verified_phone(10**10 + 7, "09121112233")
    await store.link_subscription(10**10 + 7, sub.id, "خانه")
    await store.verify_link(10**10 + 7, sub.id)
    await store.create_request(NewRequest(
        kind="incident", service="leak", chat_id=10**10 + 7, user_id=10**10 + 7,
        stage="registered", latitude=38.0800123, longitude=46.2919, city="tabriz",
        applicant={"name": "مریم"}, documents=(NewDocument("photo", "photo", "f1", "u1"),)),
        alert_chat=-100500, alert_text=lambda code: f"درخواست {code}")
    await store.add_reading(sub.id, dt.date(2025, 1, 2), 1234, "self", chat_id=10**10 + 7)
    await store.save_ptb_state([("user_data", (10**10 + 7,), b"\x80\x05}\x94."),
                                ("bot_data", (1,), b"\x00\xff"),
                                ("conversations", ("svc", "[1, 2]"), b"\x01")])


async def test_copy_to_the_other_engine_and_back(store, engine, tmp_path, request):
    """SQLite → PostgreSQL → SQLite, and PostgreSQL → SQLite → PostgreSQL (without a
    server: SQLite → SQLite → SQLite)."""
    await fill(store)
    original = await table_sums(store)
    assert original["bills"].rows == 24 and original["ptb_user_data"].rows == 1
    other = "postgresql" if engine == "sqlite" and request.config.getoption("postgres") \
        else "sqlite"
    async with new_database(other, tmp_path, request, "there") as there_url, \
            new_database(engine, tmp_path, request, "back") as back_url:
        there = await open_store(there_url)
        report = await copy_database(store, there)
        assert report.ok, report.lines()
        assert {t: (s.rows, s.total) for t, s, _ in report.tables} == {
            t: (s.rows, s.total) for t, s in original.items()}
        back = await open_store(back_url)
        assert (await copy_database(there, back)).ok
        assert await table_sums(back) == original
        # a copy is a working store: new rows get new ids
        newest = (await there.requests_for_chat(10**10 + 7))[0].id
        again = await there.create_request(NewRequest(
            kind="incident", service="leak", chat_id=1, user_id=1, stage="registered"))
        assert again.id > newest
        for opened in (there, back):
            await opened.close()


async def test_a_non_empty_target_is_refused_unless_overwritten(store, tmp_path):
    await fill(store)
    target = await open_store(tmp_path / "target.sqlite3")
    await target.upsert_chat(1, 1, "قبلی", None)
    with pytest.raises(CopyError, match=r"not empty: chats \(1 rows\)"):
        await copy_database(store, target)
    assert await target.chat(1) is not None  # nothing was touched
    report = await copy_database(store, target, overwrite=True)
    assert report.ok and await target.chat(1) is None
    assert await table_sums(target) == await table_sums(store)
    await target.close()


def test_the_checksum_ignores_order_and_sees_every_value():
    rows = [(1, "الف", None, 2.5, b"\x00"), (2, "ب", 7, -1.0, b"")]
    one, other, changed = TableSum(), TableSum(), TableSum()
    one.add(rows)
    other.add(reversed(rows))
    changed.add([rows[0], (2, "ب", 7, -1.0, b"\x01")])
    assert (one.rows, one.checksum) == (other.rows, other.checksum) == (2, one.checksum)
    assert changed.checksum != one.checksum
    moved = TableSum()
    moved.add([(1, "الفب", None, 2.5, b"\x00"), (2, "", 7, -1.0, b"")])
    assert moved.checksum != one.checksum


def test_the_command(tmp_path, capsys):
    source = tmp_path / "source.sqlite3"

    async def prepare() -> None:
        store = await open_store(source)
        await fill(store)
        await store.close()

    asyncio.run(prepare())
    target = tmp_path / "target.sqlite3"
    assert main(["copy-database", str(source), str(target)]) == 0
    out = capsys.readouterr().out
    assert "bills" in out and "24 rows" in out and "MISMATCH" not in out
    assert main(["copy-database", str(source), str(target)]) == 1  # not empty now
    assert "use --overwrite" in capsys.readouterr().err
    assert main(["copy-database", str(source), str(target), "--overwrite"]) == 0
    assert main(["copy-database", str(tmp_path / "nothing.sqlite3"), str(target)]) == 1
    assert not (tmp_path / "nothing.sqlite3").exists()
