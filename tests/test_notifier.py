"""The notifier against a fake Bot API: pacing, floods, network errors, blocked users, crashes."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import pytest
from telegram.error import NetworkError

from bot.notify.notifier import MAX_ATTEMPTS, Notifier, backoff
from bot.text.i18n import t
from bot.tools.simulator import ApiCall
from tests.conftest import Running
from tests.notify_fixtures import (
    FakeClock,
    blocked,
    chat_not_found,
    fake_notifier,
    fill_outbox,
    flood,
)


def sends(running: Running) -> list[ApiCall]:
    """Every sendMessage the bot made."""
    return [c for c in running.api.calls if c.method == "sendMessage"]


async def test_delivers_with_button_and_marks_sent(running: Running) -> None:
    markup = {"inline_keyboard": [[{"text": "مشاهده", "callback_data": "req:open:123"}]]}
    ids = await fill_outbox(running.store, [11, 12, 13], markup=markup)
    clock = FakeClock()
    report = await fake_notifier(running.app.bot, running.store, clock).drain()
    assert report.sent == 3 and report.failed == 0
    calls = sends(running)
    assert sorted(c.chat_id for c in calls) == [11, 12, 13]
    assert calls[0].inline == [[("مشاهده", "req:open:123")]]
    rows = await running.store.outbox_messages()
    assert [r["id"] for r in rows] == ids
    assert all(r["status"] == "sent" and r["message_id"] and r["attempts"] == 1 for r in rows)
    assert (await running.store.outbox_counts()).sent == 3
    # A second drain sends nothing again.
    assert (await fake_notifier(running.app.bot, running.store, clock).drain()).sent == 0
    assert len(sends(running)) == 3


async def test_paces_overall_and_per_chat(running: Running) -> None:
    clock = FakeClock()
    stamps: list[tuple[int, float]] = []

    def responder(call: ApiCall) -> None:
        if call.method == "sendMessage":
            stamps.append((int(call.params["chat_id"]), clock.t))

    running.api.responder = responder
    await fill_outbox(running.store, [*range(100, 160), 7, 7, 7])
    report = await fake_notifier(running.app.bot, running.store, clock).drain()
    assert report.sent == 63
    times = sorted(s for _, s in stamps)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-9
    own = [s for chat, s in stamps if chat == 7]
    assert [b - a >= 1 for a, b in itertools.pairwise(own)] == [True, True]
    texts = [c.text for c in sends(running) if c.chat_id == 7]
    assert texts == ["پیام ۶۰", "پیام ۶۱", "پیام ۶۲"]


async def test_flood_error_waits_as_told_and_retries(running: Running) -> None:
    floods = iter([flood(3), flood(3)])

    def responder(call: ApiCall):
        if call.method == "sendMessage":
            return next(floods, None)
        return None

    running.api.responder = responder
    await fill_outbox(running.store, [21, 22, 23])
    clock = FakeClock()
    report = await fake_notifier(running.app.bot, running.store, clock, concurrency=1).drain()
    assert (report.sent, report.floods, report.failed) == (3, 2, 0)
    assert clock.t >= 6  # waited the 3 s asked, twice
    assert Counter(c.chat_id for c in sends(running)) == {21: 1, 22: 1, 23: 1}
    assert all(r["status"] == "sent" for r in await running.store.outbox_messages())


async def test_network_error_backs_off_then_delivers(running: Running) -> None:
    failures = {"left": 2}

    def responder(call: ApiCall):
        if call.method == "sendMessage" and call.params["chat_id"] == 31 and failures["left"]:
            failures["left"] -= 1
            return NetworkError("connection reset")
        return None

    running.api.responder = responder
    await fill_outbox(running.store, [31, 32])
    clock = FakeClock()
    notifier = fake_notifier(running.app.bot, running.store, clock)
    first = await notifier.drain()
    assert (first.sent, first.retried) == (1, 1)
    row = (await running.store.outbox_messages(chat_id=31))[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "connection reset" in row["last_error"]
    report = await notifier.drain(wait_retries=True)
    assert (report.sent, report.retried) == (1, 1)
    assert backoff(2) in clock.slept and sum(clock.slept) >= backoff(1) + backoff(2) - 0.1
    row = (await running.store.outbox_messages(chat_id=31))[0]
    assert row["status"] == "sent" and row["attempts"] == 3
    assert Counter(c.chat_id for c in sends(running)) == {31: 1, 32: 1}


async def test_network_errors_give_up_after_max_attempts(running: Running) -> None:
    running.api.responder = lambda call: (
        NetworkError("down") if call.method == "sendMessage" else None
    )
    await fill_outbox(running.store, [41])
    clock = FakeClock()
    report = await fake_notifier(running.app.bot, running.store, clock).drain(wait_retries=True)
    assert (report.sent, report.failed, report.retried) == (0, 1, MAX_ATTEMPTS - 1)
    row = (await running.store.outbox_messages(chat_id=41))[0]
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS


@pytest.mark.parametrize("answer", [blocked, chat_not_found])
async def test_blocked_or_deleted_chat_fails_and_stops(running: Running, answer) -> None:
    await running.store.upsert_chat(51, 51, "مشترک", None)
    running.api.responder = lambda call: (
        answer() if call.method == "sendMessage" and call.params["chat_id"] == 51 else None
    )
    await fill_outbox(running.store, [51, 52, 51, 51])
    clock = FakeClock()
    report = await fake_notifier(running.app.bot, running.store, clock).drain(wait_retries=True)
    assert (report.sent, report.failed) == (1, 3)
    running.api.responder = None
    assert (await fake_notifier(running.app.bot, running.store, clock).drain()).sent == 0
    assert [c.chat_id for c in sends(running)] == [52]
    chat = await running.store.chat(51)
    assert chat is not None and chat.blocked
    rows = await running.store.outbox_messages(chat_id=51)
    assert {r["status"] for r in rows} == {"failed"}
    assert all(r["last_error"] for r in rows)


class Crash(BaseException):
    """The process dies (kill -9) at this point."""


async def test_crash_between_send_and_mark(running: Running, monkeypatch) -> None:
    await fill_outbox(running.store, [61, 62, 63, 64, 65])
    store = running.store
    marked: list[int] = []
    real_mark = store.mark_outbox_sent

    async def mark_then_die(outbox_id: int, message_id: int | None) -> None:
        if len(marked) == 2:
            raise Crash  # the third message went out, the process died before marking it
        marked.append(outbox_id)
        await real_mark(outbox_id, message_id)

    monkeypatch.setattr(store, "mark_outbox_sent", mark_then_die)
    with pytest.raises(Crash):
        await fake_notifier(running.app.bot, store, FakeClock(), concurrency=1).drain()
    monkeypatch.undo()
    assert [c.chat_id for c in sends(running)] == [61, 62, 63]

    await running.restart()
    report = await fake_notifier(running.app.bot, running.store, FakeClock()).drain()
    assert report.sent == 3
    delivered = Counter(c.chat_id for c in sends(running))
    # no loss; what was marked is not sent again; only the unmarked one in flight repeats
    assert delivered == {61: 1, 62: 1, 63: 2, 64: 1, 65: 1}
    assert {r["status"] for r in await running.store.outbox_messages()} == {"sent"}


async def test_broadcast_does_not_block_replies(running: Running) -> None:
    await fill_outbox(running.store, list(range(1000, 1600)))
    notifier = Notifier(running.app.bot, running.store, per_second=200, per_chat_second=1)
    task = asyncio.create_task(notifier.drain())
    await asyncio.sleep(0.3)
    user = running.user(555, "زهرا")
    replies = await user.send("/start")
    assert replies and replies[0].text == t("start.greeting", name="زهرا")
    assert not task.done()  # answered while the broadcast is still draining
    report = await task
    assert report.sent == 600
