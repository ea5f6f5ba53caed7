"""Leader and standby (issue 14, item 4), in one process: the leader lock on each engine,
updates recorded as handled with the state they produced and skipped when they come
again (a webhook retry, or after a new leader took over), polling resumed after the last
one handled, and scheduled jobs run once per slot. Processes killed and taken over:
tests/test_failover.py."""

from __future__ import annotations

import json

from telegram import Update

from bot.notify.jobs import once_per_slot
from bot.runtime.leadership import take_leadership
from bot.store import store_for
from bot.text.i18n import t
from tests.conftest import Running


def start_update(update_id: int, chat: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": chat, "type": "private", "first_name": "مریم"},
        "from": {"id": chat, "is_bot": False, "first_name": "مریم"}}}


async def test_one_holder_of_the_leader_lock_at_a_time(store):
    first, second = store.leader_lock(), store_for(store.name).leader_lock()
    assert await first.try_acquire()
    assert not await second.try_acquire()  # a standby
    assert await first.check()
    await first.release()
    assert await second.try_acquire()  # takes over once the leader is gone
    assert not await first.try_acquire()
    await second.release()


async def test_a_standby_waits_and_leads_once_the_lock_is_free(store, caplog):
    import asyncio

    leader, standby = store.leader_lock(), store_for(store.name).leader_lock()
    assert await leader.try_acquire()
    caplog.set_level("INFO", logger="bot.runtime.leadership")
    waiting = asyncio.create_task(take_leadership(standby, retry=0.05))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert sum("standing by: another bot process is the leader" in r.getMessage()
               for r in caplog.records) == 1  # said once, not at every try
    await leader.release()
    assert await asyncio.wait_for(waiting, 10) is True
    assert any(r.getMessage().startswith("leading now") for r in caplog.records)
    await standby.release()


async def test_an_update_is_handled_once_even_when_it_comes_again(running: Running):
    app = running.app
    assert app is not None
    update = start_update(5001, 4242)
    await app.process_update(Update.de_json(update, app.bot))
    greeted = [c for c in running.api.sent() if c.chat_id == 4242]
    assert greeted and greeted[0].text.startswith("سلام مریم")
    await app.process_update(Update.de_json(update, app.bot))  # a webhook retry
    assert [c for c in running.api.sent() if c.chat_id == 4242] == greeted
    assert await running.store.update_handled(5001)
    assert await running.store.last_handled_update() == 5001


async def test_a_new_leader_skips_what_the_old_one_handled_and_polls_after_it(running: Running):
    app = running.app
    assert app is not None
    await app.process_update(Update.de_json(start_update(7001, 4343), app.bot))
    sent = len(running.api.sent())
    app = await running.restart()  # the old leader killed; a new one starts on the database
    assert app.handled_floor == 7001
    assert app.updater is not None and app.updater._last_update_id == 7002
    # Telegram had not yet been told that 7001 was read: it comes again, and is skipped
    await app.process_update(Update.de_json(start_update(7001, 4343), app.bot))
    assert len(running.api.sent()) == sent
    await app.process_update(Update.de_json(start_update(7002, 4343), app.bot))
    assert len(running.api.sent()) == sent + 1
    assert t("menu.bills") in json.dumps(running.api.sent()[-1].markup, ensure_ascii=False)


async def test_a_scheduled_job_runs_once_per_slot_across_leaders(store):
    runs: list[str] = []

    async def job() -> int:
        runs.append("ran")
        return 3

    assert await once_per_slot(store, "payment-reminders", "2026-12-02", job) == 3
    again = store_for(store.name)  # a new leader on the same database
    await again.open()
    try:
        assert await once_per_slot(again, "payment-reminders", "2026-12-02", job) is None
        assert await once_per_slot(again, "payment-reminders", "2026-12-03", job) == 3
    finally:
        await again.close()
    assert runs == ["ran", "ran"]
