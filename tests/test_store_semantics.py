"""What both engines must do alike: unique tracking codes drawn again on a collision, one
request per draft even when it is confirmed twice at once, actions on one request one
after the other, the outbox's dedupe keys (run on each engine by the `store` fixture)."""

from __future__ import annotations

import asyncio

from bot.services import workflow
from bot.store.request_models import NewRequest

BASE = NewRequest(kind="service", service="meter_test", chat_id=7, user_id=7,
                  stage="registered")


async def test_a_taken_tracking_code_is_drawn_again(store, monkeypatch):
    first = await store.create_request(BASE)
    codes = iter([first.code, first.code, "12345678903"])
    monkeypatch.setattr("bot.store.requests.new_code", lambda: next(codes))
    second = await store.create_request(BASE)
    assert second.code == "12345678903" and second.id != first.id
    assert len(await store.requests_for_chat(7)) == 2


async def test_the_same_draft_confirmed_twice_at_once_is_one_request(store):
    draft = NewRequest(**{**BASE.__dict__, "draft_id": "draft-1"})
    one, two = await asyncio.gather(store.create_request(draft), store.create_request(draft))
    assert one.code == two.code
    assert len(await store.requests_for_chat(7)) == 1
    assert len(await store.request_stages(one.id)) == 1


async def test_two_actions_on_one_request_at_once_are_served_one_after_the_other(store):
    request = await store.create_request(BASE)
    first, second = await asyncio.gather(
        workflow.move(store, request.code, None, "operator:1"),
        workflow.move(store, request.code, None, "operator:2"))
    stages = [h.stage for h in await store.request_stages(request.id)]
    assert len(stages) == 3 and len(set(stages)) == 3  # each saw the other's move
    assert {first.stage, second.stage} == set(stages[1:])
    assert (await store.request(request.id)).stage == stages[-1]


async def test_a_dedupe_key_queues_one_message(store):
    async with store.unit() as uow:
        assert await uow.enqueue(chat_id=1, kind="test", text="الف", dedupe_key="k:1")
        assert await uow.enqueue(chat_id=1, kind="test", text="الف", dedupe_key="k:1") is None
        await uow.enqueue_many(kind="test", text="ب", chats=[(1, "k:1"), (2, "k:2"), (2, "k:2")])
    rows = await store.outbox_messages()
    assert sorted((r["chat_id"], r["dedupe_key"]) for r in rows) == [(1, "k:1"), (2, "k:2")]


async def test_a_unit_of_work_is_all_or_nothing(store):
    request = await store.create_request(BASE)
    try:
        async with store.unit() as uow:
            locked = await uow.lock_request(request.code)
            await uow.update_request(locked.id, stage="review")
            await uow.add_stage(locked.id, "review", None, "operator:1")
            await uow.enqueue(chat_id=7, kind="stage", text="الف", request_id=locked.id)
            raise RuntimeError("the operator's screen failed")
    except RuntimeError:
        pass
    assert (await store.request(request.id)).stage == "registered"
    assert len(await store.request_stages(request.id)) == 1
    assert await store.outbox_messages(request_id=request.id) == []
