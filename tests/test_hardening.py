"""Issue 10 (hardening): each fault the outside audit reproduced, as a test of its fix.

Each test names the item of the issue it guards. The conversation tests drive the real
Application over the fake Bot API, like the rest of the suite.
"""

from __future__ import annotations

import logging

import pytest

from bot.store.request_models import NewRequest
from bot.text.i18n import t
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
