"""The notifier against a fake Bot API: pacing, floods, network errors, blocked users, crashes."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import sqlite3
import threading
from collections import Counter

import pytest
from telegram.error import NetworkError

from bot.notify.notifier import OUTAGE_MAX, Notifier, RateLimiter, backoff
from bot.text.i18n import t
from bot.text.limits import MESSAGE_TEXT, units
from bot.tools.simulator import ApiCall
from tests.conftest import Running
from tests.notify_fixtures import (
    FakeClock,
    VirtualClock,
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
    # 21's flood held 21 for 3 s; 22's, a second chat's flood within a second, paused
    # everyone for 3 s: the waits overlap
    assert clock.t >= 3
    assert Counter(c.chat_id for c in sends(running)) == {21: 1, 22: 1, 23: 1}
    assert all(r["status"] == "sent" for r in await running.store.outbox_messages())


async def test_network_error_pauses_everyone_then_delivers(running: Running) -> None:
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
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)  # 32 waits for the API too
    row = (await running.store.outbox_messages(chat_id=31))[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "connection reset" in row["last_error"]
    report = await notifier.drain(wait_retries=True)
    assert (report.sent, report.failed) == (2, 0)
    assert clock.t >= 2 * backoff(1) - 0.1  # paused 2 s; 32 got through, so 2 s again
    row = (await running.store.outbox_messages(chat_id=31))[0]
    assert row["status"] == "sent" and row["attempts"] == 3
    assert Counter(c.chat_id for c in sends(running)) == {31: 1, 32: 1}


def bad_gateway() -> tuple[int, dict]:
    """The Bot API's answer while it is down."""
    return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}


async def test_a_forty_minute_outage_loses_nothing_and_is_probed_not_hammered(
        running: Running) -> None:
    """Issue 10 item 8: 40 minutes of 502s used to fail every pending message."""
    clock = FakeClock()
    back_at = 40 * 60
    tried: list[float] = []

    def responder(call: ApiCall):
        if call.method == "sendMessage":
            tried.append(clock.t)
            if clock.t < back_at:
                return bad_gateway()
        return None

    running.api.responder = responder
    chats = list(range(300, 350))
    await fill_outbox(running.store, chats)
    notifier = fake_notifier(running.app.bot, running.store, clock,
                             stopping=lambda: clock.t > back_at + 120)
    await notifier.run_forever()
    rows = await running.store.outbox_messages()
    assert {r["status"] for r in rows} == {"sent"}
    assert Counter(c.chat_id for c in sends(running)) == dict.fromkeys(chats, 1)
    during = [moment for moment in tried if moment < back_at]
    assert 30 <= len(during) <= 100  # about one probe a minute, not 50 messages' retries
    assert min(c for c in tried if c >= back_at) < back_at + OUTAGE_MAX + 5


async def test_no_answer_but_a_definite_one_fails_a_message(running: Running) -> None:
    """A rejected token or an unknown error is the API's problem, not the chat's."""
    answers = iter([(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
                    (500, {"ok": False, "error_code": 500, "description": "Internal error"})])
    running.api.responder = lambda call: (
        next(answers, None) if call.method == "sendMessage" else None)
    await fill_outbox(running.store, [45])
    report = await fake_notifier(running.app.bot, running.store, FakeClock()).drain(
        wait_retries=True)
    assert (report.sent, report.failed) == (1, 0)


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

    async def mark_then_die(marks: dict[int, int | None]) -> None:
        if len(marked) == 2:
            raise Crash  # the third message went out, the process died before marking it
        marked.extend(marks)
        await real_mark(marks)

    monkeypatch.setattr(store, "mark_outbox_sent", mark_then_die)
    dead = FakeClock()
    with pytest.raises(Crash):
        await fake_notifier(running.app.bot, store, dead, concurrency=1).drain()
    monkeypatch.undo()
    assert [c.chat_id for c in sends(running)] == [61, 62, 63]

    await running.restart()
    clock = FakeClock()
    clock.start = dead.wall()  # restarted at once (however slow the machine running the test)
    # the dead sender's claim on 63 holds until its lease runs out: the new one waits for it
    report = await fake_notifier(running.app.bot, running.store, clock).drain()
    assert report.sent == 2
    (held,) = await running.store.outbox_messages(status="pending")
    report = await fake_notifier(running.app.bot, running.store, clock).drain(wait_retries=True)
    assert report.sent == 1 and clock.wall() >= dt.datetime.fromisoformat(held["claimed_until"])
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


# --- issue 10: failing marks, per-chat floods, groups, supergroups, over-long text -------

async def test_a_mark_that_fails_is_retried_alone_and_nothing_is_sent_twice(
        running: Running, monkeypatch) -> None:
    """Issue 10 item 2: marks failing (a full disk) made the notifier re-send everything."""
    store = running.store
    await fill_outbox(store, [71, 72, 73, 74])
    real_mark = store.mark_outbox_sent
    failing = {"left": 7}

    async def full_disk(marks: dict[int, int | None]) -> None:
        if failing["left"]:
            failing["left"] -= 1
            raise sqlite3.OperationalError("database or disk is full")
        await real_mark(marks)

    monkeypatch.setattr(store, "mark_outbox_sent", full_disk)
    clock = FakeClock()
    notifier = fake_notifier(running.app.bot, store, clock, stopping=lambda: clock.t > 60)
    await notifier.run_forever()  # the bot's loop: drains again every second
    assert failing["left"] == 0 and not notifier._unmarked
    assert Counter(c.chat_id for c in sends(running)) == {71: 1, 72: 1, 73: 1, 74: 1}
    assert {r["status"] for r in await store.outbox_messages()} == {"sent"}


async def test_nothing_new_is_sent_while_marks_cannot_be_written(
        running: Running, monkeypatch) -> None:
    """So a crash during a long disk-full repeats at most the messages in flight."""
    store = running.store
    await fill_outbox(store, list(range(80, 90)))
    real_mark = store.mark_outbox_sent
    disk = {"full": True}

    async def mark(marks: dict[int, int | None]) -> None:
        if disk["full"]:
            raise sqlite3.OperationalError("database or disk is full")
        await real_mark(marks)

    monkeypatch.setattr(store, "mark_outbox_sent", mark)
    clock = FakeClock()
    notifier = fake_notifier(running.app.bot, store, clock, concurrency=2,
                             stopping=lambda: clock.t > 120)
    task = asyncio.create_task(notifier.run_forever())
    while clock.t < 100:
        await asyncio.sleep(0)
    assert len(sends(running)) <= 2  # the two in flight when the disk filled, no more
    disk["full"] = False
    await task
    assert Counter(c.chat_id for c in sends(running)) == dict.fromkeys(range(80, 90), 1)


async def test_a_groups_flood_answer_holds_that_group_only(running: Running) -> None:
    """Issue 10 item 9: the operators' group's 429 paused delivery to everyone."""
    clock = FakeClock()
    group = -100_777
    answers = iter([flood(30)])
    first_delivery: dict[int, float] = {}

    def responder(call: ApiCall):
        if call.method == "sendMessage":
            chat = int(call.params["chat_id"])
            if chat == group and (answer := next(answers, None)):
                return answer
            first_delivery.setdefault(chat, clock.t)
        return None

    running.api.responder = responder
    private = list(range(400, 440))
    await fill_outbox(running.store, [group, *private, group])
    report = await fake_notifier(running.app.bot, running.store, clock, concurrency=8).drain(
        wait_retries=True)
    assert (report.sent, report.floods) == (42, 1)
    assert max(first_delivery[c] for c in private) < 30  # nobody waited for the group
    assert first_delivery[group] >= 30
    row = (await running.store.outbox_messages(chat_id=group))[0]
    assert row["status"] == "sent" and "this chat" in row["last_error"]
    texts = [c.text for c in sends(running) if c.chat_id == group]
    assert texts == ["پیام ۰", "پیام ۴۱"]  # in order


async def test_flood_answers_for_two_chats_pause_everyone(running: Running) -> None:
    """The bot's overall limit: two chats flooded at once, so every send waits."""
    clock = FakeClock()
    answers = {501: [flood(5)], 502: [flood(5)]}
    delivered: dict[int, float] = {}

    def responder(call: ApiCall):
        if call.method == "sendMessage":
            chat = int(call.params["chat_id"])
            if answers.get(chat):
                return answers[chat].pop()
            delivered[chat] = clock.t
        return None

    running.api.responder = responder
    await fill_outbox(running.store, [501, 502, 503, 504])
    report = await fake_notifier(running.app.bot, running.store, clock, concurrency=1).drain(
        wait_retries=True)
    assert (report.sent, report.floods) == (4, 2)
    assert min(delivered.values()) >= 5


async def test_groups_are_paced_to_twenty_messages_a_minute(running: Running) -> None:
    clock = FakeClock()
    stamps: list[tuple[int, float]] = []

    def responder(call: ApiCall) -> None:
        if call.method == "sendMessage":
            stamps.append((int(call.params["chat_id"]), clock.t))

    running.api.responder = responder
    group = -100_555
    await fill_outbox(running.store, [group, 610, group, 610, group, 610, group])
    await fake_notifier(running.app.bot, running.store, clock).drain(wait_retries=True)
    in_group = [moment for chat, moment in stamps if chat == group]
    assert len(in_group) == 4 and len(stamps) == 7
    assert all(b - a >= 60 / 20 for a, b in itertools.pairwise(in_group))


async def test_a_group_and_a_private_chat_are_paced_apart() -> None:
    """Issue 10 item 9: a group's pace (20 a minute) does not slow a private chat (1 a second)."""
    clock = VirtualClock()
    limiter = RateLimiter(30, 1, clock=clock, sleep=clock.sleep)
    group, private = -100_555, 610
    stamps: dict[int, list[float]] = {group: [], private: []}

    async def send(chat: int, count: int) -> None:
        for _ in range(count):
            await limiter.wait(chat)
            stamps[chat].append(clock.t)

    await clock.run(send(group, 4), send(private, 8))
    assert all(b - a >= 60 / 20 for a, b in itertools.pairwise(stamps[group]))
    assert all(1 <= b - a < 1.1 for a, b in itertools.pairwise(stamps[private]))
    assert stamps[private][-1] < stamps[group][-1]


def upgraded(new_chat_id: int) -> tuple[int, dict]:
    """The Bot API's answer for a group that became a supergroup."""
    return 400, {"ok": False, "error_code": 400,
                 "description": "Bad Request: group chat was upgraded to a supergroup chat",
                 "parameters": {"migrate_to_chat_id": new_chat_id}}


async def test_alerts_follow_a_group_upgraded_to_a_supergroup(running: Running) -> None:
    """Issue 10 item 13: alerts to the upgraded operators' group were marked failed."""
    old, new = -100_777, -1_001_234_567
    to_old: list[str] = []

    def responder(call: ApiCall):
        if call.method == "sendMessage" and int(call.params["chat_id"]) == old:
            to_old.append(call.text)
            return upgraded(new)
        return None

    running.api.responder = responder
    store = running.store
    await fill_outbox(store, [old, 90, old])
    clock = FakeClock()
    report = await fake_notifier(running.app.bot, store, clock).drain(wait_retries=True)
    assert (report.sent, report.failed) == (3, 0)
    assert [c.text for c in sends(running) if c.chat_id == new] == ["پیام ۰", "پیام ۲"]
    assert len(to_old) == 1
    assert [(m.old_chat_id, m.new_chat_id) for m in await store.chat_migrations()] == [(old, new)]
    # the setting still names the old id: a later alert goes to the new one at once
    async with store.unit() as uow:
        await uow.enqueue(chat_id=old, kind="alert", text="درخواست تازه")
    await fake_notifier(running.app.bot, store, clock).drain()
    assert len(to_old) == 1
    assert [c.text for c in sends(running) if c.chat_id == new][-1] == "درخواست تازه"
    assert {r["status"] for r in await store.outbox_messages()} == {"sent"}


async def test_an_over_long_notice_is_delivered_cut_to_the_limit(running: Running) -> None:
    """Issue 10 item 16: a notice over 4,096 characters was refused by the Bot API."""

    def responder(call: ApiCall):
        if call.method == "sendMessage" and units(call.text) > MESSAGE_TEXT:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message is too long"}
        return None

    running.api.responder = responder
    long_text = "قطعی آب " * 1000
    await fill_outbox(running.store, [95], text=long_text)  # fitted when queued
    async with running.store.db.transaction() as conn:  # a row queued before the limit
        await conn.execute(
            "INSERT INTO outbox (chat_id, kind, text, not_before, created_at)"
            " VALUES (96, 'outage', ?, '2000-01-01T00:00:00+00:00', '2000-01-01T00:00:00+00:00')",
            (long_text,))
    report = await fake_notifier(running.app.bot, running.store, FakeClock()).drain()
    assert (report.sent, report.failed) == (2, 0)
    shown = [c.text for c in sends(running)]
    assert all(MESSAGE_TEXT - 10 < units(text) <= MESSAGE_TEXT for text in shown)
    assert all(text.startswith("قطعی آب قطعی آب") and text.endswith("…") for text in shown)


async def test_callback_data_over_the_limit_is_refused_when_queued(running: Running) -> None:
    markup = {"inline_keyboard": [[{"text": "باز", "callback_data": "req:show:" + "۱" * 40}]]}
    with pytest.raises(ValueError, match="callback data"):
        async with running.store.unit() as uow:
            await uow.enqueue(chat_id=97, kind="test", text="پیام", reply_markup=markup)
    assert await running.store.outbox_messages(chat_id=97) == []


async def test_the_groups_upgrade_message_moves_its_messages_at_once(running: Running) -> None:
    """Telegram's service message in the upgraded group is heard before any send fails."""
    from telegram import Update

    old, new = -100_778, -1_001_234_568
    await fill_outbox(running.store, [old])
    group = {"id": old, "type": "group", "title": "اپراتورها"}
    sender = {"id": 900001, "is_bot": False, "first_name": "مدیر"}
    update = Update.de_json({"update_id": 990001, "message": {
        "message_id": 7, "date": 0, "chat": group, "from": sender,
        "migrate_to_chat_id": new}}, running.app.bot)
    running.app.chat_data[old]["known"] = True
    await running.app.process_update(update)
    assert [(m.old_chat_id, m.new_chat_id) for m in await running.store.chat_migrations()] == [
        (old, new)]
    assert running.app.chat_data[new]["known"] is True
    assert sends(running) == []  # nothing said in the group
    await fake_notifier(running.app.bot, running.store, FakeClock()).drain()
    assert [c.chat_id for c in sends(running)] == [new]


@pytest.mark.one_engine  # SQLite's write lock, taken by another connection of the file
async def test_a_write_lock_held_longer_than_the_busy_timeout_sends_nothing_twice(
        running: Running) -> None:
    """A backup or an import takes the write lock while the messages are being sent, and
    holds it for 6 s (the store waits 5 s): the marks fail with "database is locked", are
    retried alone, and nothing is delivered twice."""
    store = running.store
    await fill_outbox(store, [75, 76, 77])
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=lambda: hold_the_lock())

    def lock_at_first_send(call: ApiCall) -> None:
        if call.method == "sendMessage" and not holder.is_alive() and not locked.is_set():
            holder.start()
            locked.wait(5)
            threading.Timer(6.0, release.set).start()

    running.api.responder = lock_at_first_send

    def hold_the_lock() -> None:
        conn = sqlite3.connect(store.db.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(20)
        conn.execute("COMMIT")
        conn.close()

    notifier = Notifier(running.app.bot, store, per_second=100, per_chat_second=1)
    report = await notifier.drain()
    holder.join()
    assert report.sent == 3 and report.unmarked == 0
    assert Counter(c.chat_id for c in sends(running)) == {75: 1, 76: 1, 77: 1}
    assert {r["status"] for r in await store.outbox_messages()} == {"sent"}
