"""The outbox is claimed, not just read (issue 14, item 5), on both engines.

A sender leases the messages it takes; no other sender (a second notifier, `ops
notify-pending`, a new leader: here, a second store on the same database, as a second
process has) takes a message another live sender holds, nor a later message of that
chat; a lease that ran out is taken over; a delivery waiting for its mark keeps its lease.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from bot.notify.notifier import LEASE, Notifier
from bot.store import open_store
from bot.store.outbox import _heads
from bot.text.fmt import now_utc
from tests.conftest import Running
from tests.notify_fixtures import FakeClock, fake_notifier, fill_outbox


def _sends(running: Running) -> list[tuple[int, str]]:
    return [(c.chat_id, c.text) for c in running.api.calls if c.method == "sendMessage"]


async def test_a_claimed_message_and_its_chat_are_left_to_their_holder(store) -> None:
    first, second, third, later = await fill_outbox(store, [11, 12, 13, 11])
    now = now_utc() + dt.timedelta(seconds=1)
    mine = await store.claim_outbox(2, holder="a", lease=10, now=now)
    assert [m.id for m in mine] == [first, second]
    # another sender gets neither of them, nor chat 11's next message (order in a chat)
    theirs = await store.claim_outbox(10, holder="b", lease=10, now=now)
    assert [m.id for m in theirs] == [third]
    assert await store.claim_outbox(10, holder="c", lease=10, now=now) == []
    # a look (the operators' view) skips what is held, and claims nothing
    assert await store.due_outbox(10, now=now) == []
    # the holder may take its own again (a restart of the same sender)
    assert {m.id for m in await store.claim_outbox(10, holder="a", lease=10, now=now)} == {
        first, second}
    # once marked, chat 11's next message is free
    await store.mark_outbox_sent({first: 501})
    assert [m.id for m in await store.claim_outbox(10, holder="c", lease=10, now=now)] == [later]
    rows = {r["id"]: r for r in await store.outbox_messages()}
    assert rows[first]["claimed_by"] is None and rows[first]["status"] == "sent"


async def test_a_dead_senders_lease_runs_out_and_is_taken_over(store) -> None:
    (message,) = await fill_outbox(store, [21])
    now = now_utc() + dt.timedelta(seconds=1)
    assert [m.id for m in await store.claim_outbox(5, holder="dead", lease=10, now=now)] == [
        message]
    assert await store.next_outbox_due(now) == now + dt.timedelta(seconds=10)
    assert await store.claim_outbox(5, holder="b", lease=10,
                                    now=now + dt.timedelta(seconds=9)) == []
    later = now + dt.timedelta(seconds=10)
    assert [m.id for m in await store.claim_outbox(5, holder="b", lease=10, now=later)] == [
        message]
    # the dead sender, back (a frozen process), can no longer renew it: it must not send
    assert await store.extend_outbox_claims([message], holder="dead", lease=10, now=later) == set()
    assert await store.extend_outbox_claims([message], holder="b", lease=10, now=later) == {
        message}


async def test_released_and_retried_messages_are_free_for_any_sender(store) -> None:
    one, two = await fill_outbox(store, [31, 32])
    now = now_utc() + dt.timedelta(seconds=1)
    await store.claim_outbox(5, holder="a", lease=10, now=now)
    await store.release_outbox([one], holder="b")  # not b's: nothing happens
    assert await store.claim_outbox(5, holder="b", lease=10, now=now) == []
    await store.release_outbox([one], holder="a")
    await store.retry_outbox_later(two, now, "NetworkError: down")
    assert {m.id for m in await store.claim_outbox(5, holder="b", lease=10, now=now)} == {
        one, two}


async def test_claims_at_the_same_moment_never_share_a_row(store) -> None:
    """Two processes claiming at once (two stores: two connections, or two pools)."""
    await fill_outbox(store, list(range(1000, 1300)))
    other = await open_store(store.name if store.engine == "sqlite" else store.db.url)
    try:
        now = now_utc() + dt.timedelta(seconds=1)
        claims = await asyncio.gather(*[
            s.claim_outbox(7, holder=f"{n}", lease=10, now=now)
            for n, s in enumerate([store, other] * 30)])
    finally:
        await other.close()
    ids = [m.id for claim in claims for m in claim]
    assert len(ids) == len(set(ids))
    assert len(ids) == 300  # 60 claims of 7 take all 300 (each once)


async def test_a_message_marked_sent_while_a_claim_waits_for_it_is_not_claimed(store) -> None:
    """The claim reads its heads at the start of its statement; a row that another sender
    marks sent before the claim locks it must not be returned (PostgreSQL re-checks only
    the locked row's own conditions: CI once saw 60 messages sent twice this way)."""
    first, _second = await fill_outbox(store, [51, 51])
    now = now_utc() + dt.timedelta(seconds=1)
    other = await open_store(store.name if store.engine == "sqlite" else store.db.url)
    try:
        async with other.db.transaction() as marker:
            await marker.execute("UPDATE outbox SET status='sent' WHERE id=?", (first,))
            sql, params = _heads(5, (), now.isoformat(), "b")

            async def claim_waiting_for_the_row() -> list[int]:
                async with store.db.transaction() as conn:
                    lock = " FOR UPDATE OF o" if store.engine == "postgresql" else ""
                    return [row["id"] for row in await conn.fetchall(sql + lock, params)]

            waiting = asyncio.create_task(claim_waiting_for_the_row())
            await asyncio.sleep(0.3)  # the claim has read its heads and waits for the row
        assert first not in await waiting
    finally:
        await other.close()


async def test_two_notifiers_on_one_database_never_send_the_same_message(running: Running
                                                                         ) -> None:
    chats = [2000 + n for n in range(60)] * 3  # three messages for each of 60 chats
    await fill_outbox(running.store, chats, text="پیام {n}")
    store = running.store
    other = await open_store(store.name if store.engine == "sqlite" else store.db.url)
    try:
        notifiers = [Notifier(running.app.bot, s, per_second=1000, per_chat_second=1000,
                              concurrency=8) for s in (store, other)]
        reports = await asyncio.gather(*[n.drain(wait_retries=True) for n in notifiers])
    finally:
        await other.close()
    sent = _sends(running)
    assert len(sent) == len(chats) and max(Counter(sent).values()) == 1
    assert sum(r.sent for r in reports) == len(chats)
    assert all(r.sent for r in reports)  # both took part
    for chat in set(chats):  # each chat in order
        texts = [text for chat_id, text in sent if chat_id == chat]
        assert texts == sorted(texts, key=lambda t: int(t.split()[-1].translate(
            str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))))
    assert {r["status"] for r in await store.outbox_messages()} == {"sent"}
    assert {r["claimed_by"] for r in await store.outbox_messages()} == {None}


async def test_a_delivery_waiting_for_its_mark_keeps_its_lease(running: Running,
                                                               monkeypatch) -> None:
    """The marks fail for longer than a lease: the delivery is remembered, its lease
    renewed, and another sender never takes it meanwhile; only the mark is retried."""
    await fill_outbox(running.store, [41])
    store = running.store
    clock = FakeClock()
    real_mark = store.mark_outbox_sent
    failures, seen_by_other = [], []

    async def failing_mark(marks: dict[int, int | None]) -> None:
        if clock.t < 3 * LEASE:
            failures.append(clock.t)
            seen_by_other.extend(m.id for m in await store.claim_outbox(
                5, holder="other", lease=LEASE, now=clock.wall()))
            raise OSError("disk full")
        await real_mark(marks)

    monkeypatch.setattr(store, "mark_outbox_sent", failing_mark)
    report = await fake_notifier(running.app.bot, store, clock).drain()
    assert report.sent == 1 and report.unmarked == 0
    assert clock.t >= 3 * LEASE and len(failures) > 3
    assert seen_by_other == []
    assert _sends(running) == [(41, "پیام ۰")]
    (row,) = await store.outbox_messages()
    assert row["status"] == "sent" and row["claimed_by"] is None
