"""Issue 10 (hardening): each fault the outside audit reproduced, as a test of its fix.

Each test names the item of the issue it guards. The conversation tests drive the real
Application over the fake Bot API, like the rest of the suite.
"""

from __future__ import annotations

import logging

import pytest

from bot.store.request_models import NewDocument, NewRequest
from bot.text.i18n import t
from bot.tools.demo_data import generate
from tests.conftest import OPERATOR_ID
from tests.reliability_fixtures import RecordAll, conversation_state

HUGE = str(2**63)  # one more than SQLite's largest integer


@pytest.fixture
def errors():
    """Every ERROR record logged during the test (the error handler logs each crash)."""
    log = RecordAll()
    logging.getLogger().addHandler(log)
    yield log
    logging.getLogger().removeHandler(log)


async def _request_waiting_for_document(store, chat_id: int, pending: str | None = "deed_or_permit"):
    request = await store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=chat_id, user_id=chat_id,
        stage="registered"))
    if pending:
        async with store.transaction() as conn:
            await conn.execute("UPDATE requests SET pending_document=? WHERE id=?",
                               (pending, request.id))
    return request


# item 11 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [f"bill:view:{HUGE}", f"bill:prev:1:{HUGE}", f"bill:how:{HUGE}",
                                  f"bill:why:{HUGE}", f"bill:chart:{HUGE}", f"bill:show:{HUGE}",
                                  f"req:show:{HUGE}", f"req:cancel:{HUGE}",
                                  f"req:cancel_yes:{HUGE}", f"req:doc:{HUGE}",
                                  f"subs:del:{HUGE}", f"subs:delok:{HUGE}"])
async def test_item11_huge_ids_in_callback_data_get_the_stale_button_answer(running, errors, data):
    replies = await running.user(610_101).press(data)
    assert [c.text for c in replies] == [t("common.expired_button")]
    assert not errors.errors()


async def test_item11_huge_ids_reach_no_query_anywhere(running, errors):
    user = running.user(610_102)
    await user.send("/reading")
    await user.press(f"sr:sub:{HUGE}")
    operator = running.user(OPERATOR_ID)
    for data in (f"op:q:-:-:{HUGE}:0", f"op:q:-:-:0:{HUGE}", f"op:open:{HUGE}",
                 f"op:stages:{HUGE}", f"op:fs:{HUGE}", f"op:fa:-:-:{HUGE}"):
        assert await operator.press(data), data
    assert not errors.errors(), errors.errors()[0].getMessage()


# item 22 ----------------------------------------------------------------------------------
async def test_item22_a_stale_send_document_button_leaves_no_draft(running):
    user = running.user(610_103)
    waiting = await _request_waiting_for_document(running.store, user.id)
    done = await _request_waiting_for_document(running.store, user.id, pending=None)
    await user.press(f"req:doc:{waiting.id}")
    assert conversation_state(running.app, user.id) == {"request_document": 0}
    replies = await user.press(f"req:doc:{done.id}")  # an old button: nothing pending there
    assert [c.text for c in replies] == [t("requests.no_document_pending")]
    assert conversation_state(running.app, user.id) == {}
    assert "request_document" not in running.app.user_data[user.id]


# item 7 -----------------------------------------------------------------------------------
GROUP = {"id": -100_777_001, "type": "supergroup", "title": "همسایه‌ها"}
OTHER_GROUP = {"id": -100_777_002, "type": "supergroup", "title": "ساختمان"}
ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688


async def _owner_with_bills(running, user_id: int):
    """A subscription on file whose owner proved it in their private chat."""
    await generate(running.store, 1, seed=5, periods=2)
    (sub,) = await running.store.sample_subscribers(1)
    await running.store.upsert_chat(user_id, user_id, "مالک", None)
    await running.store.link_subscription(user_id, sub.id, "خانه")
    await running.store.verify_link(user_id, sub.id)
    return sub


def _pointer_only(calls) -> bool:
    return bool(calls) and all(c.text == t("guard.private_only") for c in calls)


async def test_item7_in_a_group_one_members_proof_covers_no_one(running):
    await generate(running.store, 1, seed=6, periods=2)
    (sub,) = await running.store.sample_subscribers(1)
    owner = running.user(610_201, chat=GROUP)
    other = running.user(610_202, chat=GROUP)
    sent = []
    for user in (owner, other):
        sent += await user.send("/bill")
        sent += await user.send(sub.subscription_number)
        sent += await user.share_contact(sub.phone or "")
        sent += await user.send(t("menu.bills"))
    assert _pointer_only(sent), [c.text for c in sent]
    assert await running.store.links(GROUP["id"]) == []
    assert await running.store.links(owner.id) == []
    shown = " ".join(f"{c.text} {c.params}" for c in running.api.calls)
    assert sub.name not in shown and (sub.address or "-") not in shown


async def test_item7_no_personal_screen_is_sent_into_a_group(running):
    owner_id = 610_203
    sub = await _owner_with_bills(running, owner_id)
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=owner_id, user_id=owner_id,
        stage="registered", subscriber_id=sub.id, applicant={"name": "مالک محرمانه"},
        latitude=38.0811, longitude=46.2919,
        documents=(NewDocument("deed_or_permit", "photo", "secret-file", "secret-u"),)))
    bill = (await running.store.bills(sub.id))[0]
    owner = running.user(owner_id, chat=GROUP)
    start = len(running.api.calls)
    for data in (f"bill:show:{sub.id}", f"bill:view:{bill.id}", f"req:show:{request.id}",
                 "req:list"):
        assert _pointer_only(await owner.press(data)), data
    for text in ("/requests", f"/track {request.code}", "/subscriptions", "/reading"):
        assert _pointer_only(await owner.send(text)), text
    operator = running.user(OPERATOR_ID, chat=GROUP)
    assert _pointer_only(await operator.send("/ops"))
    group_calls = [c for c in running.api.calls[start:] if c.chat_id == GROUP["id"]]
    assert {c.method for c in group_calls} == {"sendMessage"}
    shown = " ".join(f"{c.text} {c.params}" for c in group_calls)
    for secret in ("secret-file", "38.0811", "مالک محرمانه", sub.name, sub.subscription_number):
        assert secret not in shown


async def test_item7_an_operators_review_in_the_group_goes_to_their_private_chat(running):
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=610_204, user_id=610_204,
        stage="registered", latitude=38.0811, longitude=46.2919,
        documents=(NewDocument("deed_or_permit", "photo", "secret-file", "secret-u"),)))
    operator = running.user(OPERATOR_ID, chat=GROUP)
    start = len(running.api.calls)
    assert await operator.press(f"op:open:{request.code}") == []  # nothing into the group
    private = [c for c in running.api.calls[start:] if c.chat_id == OPERATOR_ID]
    assert {c.method for c in private} == {"sendLocation", "sendPhoto", "sendMessage"}
    answer = [c for c in running.api.calls[start:] if c.method == "answerCallbackQuery"]
    assert answer[0].params.get("text") == t("guard.operator_sent")

    def refuse_private(call):  # the operator never started the bot privately
        if call.chat_id == OPERATOR_ID:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot can't initiate conversation with a user"}
        return None

    running.api.responder = refuse_private
    replies = await operator.press(f"op:open:{request.code}")
    assert _pointer_only(replies)
    assert replies[0].inline[0][0][1] == "https://t.me/abfa_demo_bot"


# item 15 ----------------------------------------------------------------------------------
async def test_item15_an_edited_message_is_not_the_answer_to_the_current_step(running):
    await generate(running.store, 1, seed=8, periods=1)
    (sub,) = await running.store.sample_subscribers(1)
    user = running.user(610_301)
    await user.send(t("menu.bills"))
    replies = await user.edit(1, sub.subscription_number)  # an old message, edited
    assert [c.text for c in replies] == [t("guard.edits_ignored")]
    assert conversation_state(running.app, user.id) == {"bills": 0}
    assert "bills" not in running.app.user_data[user.id]  # no lookup, no proof asked
    in_group = running.user(610_302, chat=GROUP)
    assert await in_group.edit(1, "/bill") == []  # in a group: silence


# item 23: Telegram's shared sender ids --------------------------------------------------
@pytest.mark.parametrize("shared", [ANONYMOUS_ADMIN, CHANNEL_BOT])
async def test_item23_shared_sender_ids_get_no_state_across_groups(running, shared):
    await generate(running.store, 1, seed=9, periods=1)
    (sub,) = await running.store.sample_subscribers(1)
    for group in (GROUP, OTHER_GROUP):
        sender = running.user(shared, "Group", chat=group, sender_chat=group)
        assert _pointer_only(await sender.send("/bill"))
        await sender.send(sub.subscription_number)
        await sender.press(f"bill:show:{sub.id}")
    assert not running.app.user_data.get(shared)
    assert conversation_state(running.app, shared) == {}
    assert await running.store.links(GROUP["id"]) == []
