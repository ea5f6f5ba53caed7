"""Issue 10 item 3: every conversation step copes with a missing draft.

A conversation's saved state and its draft are written at the same update boundary
(tests/test_persistence.py), but a draft can still be lost with an unreadable row. For
every state of every conversation, each input its handlers take is sent with the state
set and the draft gone: nothing crashes, and a step that needs the draft says so in
Persian and starts the flow again.
"""

from __future__ import annotations

import itertools
import logging
import re

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

import handlers
from bot.runtime.conversations import conversation_handlers
from bot.text.i18n import t
from bot.tools.simulator import BOT_USER
from handlers import services
from tests.conftest import OPERATOR_ID, Running
from tests.reliability_fixtures import RecordAll

USERS = itertools.count(6_100_001)
UPDATES = itertools.count(9_100_001)
_SAMPLES = ((r"\d+", "1"), (r"[\w-]+", "a"), (r"\w+", "a"), (r"[a-z_]+", "a"),
            (r"[a-z]+", "a"), (r"[yn]", "y"), (r".+", "x"), (r".*", ""))


def sample(pattern: re.Pattern[str]) -> str | None:
    """Callback data the pattern accepts."""
    text = pattern.pattern.lstrip("^").rstrip("$")
    for regex, value in _SAMPLES:
        text = text.replace(regex, value)
    text = re.sub(r"\(([^()|]*)\|[^()]*\)", r"\1", text).replace("\\", "")
    return text if pattern.match(text) else None


def payloads(user_id: int, conv: ConversationHandler, state: object) -> list[dict]:
    """One update of every kind the state's handlers take."""
    user = {"id": user_id, "is_bot": False, "first_name": "مشترک"}
    chat = {"id": user_id, "type": "private", "first_name": "مشترک"}

    def message(**content: object) -> dict:
        return {"message": {"message_id": next(UPDATES), "date": 0, "chat": chat, "from": user,
                            **content}}

    found = [
        message(text="۱۲۳۴۵"),
        message(text="تبریز"),
        message(photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90,
                        "file_size": 2000}]),
        message(document={"file_id": "d1", "file_unique_id": "ud1", "file_name": "a.pdf",
                          "mime_type": "application/pdf", "file_size": 20_000}),
        message(location={"latitude": 38.07, "longitude": 46.29}),
        message(contact={"phone_number": "09121234567", "first_name": "م", "user_id": user_id}),
    ]
    for handler in conv.states[state]:
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
            data = sample(handler.pattern)
            if data is not None:
                found.append({"callback_query": {
                    "id": str(next(UPDATES)), "from": user, "chat_instance": "ci", "data": data,
                    "message": {"message_id": 1, "date": 0, "chat": chat, "from": BOT_USER,
                                "text": "…"}}})
    return found


def draft_states() -> set[tuple[str, object]]:
    """(conversation, state) pairs whose steps need the draft, as the modules declare."""
    found = set()
    for module in handlers.FEATURES:
        if hasattr(module, "DRAFT_STATES"):
            name = getattr(module, "DRAFT_CONVERSATION", getattr(module, "NAME", ""))
            found |= {(name, state) for state in module.DRAFT_STATES}
    return found


async def test_every_step_copes_with_a_missing_draft(running: Running) -> None:
    app = running.app
    assert app is not None
    needs = draft_states()
    assert ("service_request", 5) in needs  # CONFIRM: the crash the audit found
    records = RecordAll()
    logging.getLogger().addHandler(records)
    checked = 0
    try:
        for conv in conversation_handlers(app):
            for state in conv.states:
                operator = (conv.name or "").startswith("ops_")  # operators only
                for index in range(len(payloads(0, conv, state))):
                    user_id = OPERATOR_ID if operator else next(USERS)
                    payload = payloads(user_id, conv, state)[index]
                    update = Update.de_json({"update_id": next(UPDATES), **payload}, app.bot)
                    key = (user_id, user_id)
                    conv._update_state(state, key)
                    app.user_data[user_id].pop(conv.name, None)
                    took = any(h.check_update(update) for h in conv.states[state])
                    before = len(running.api.calls)
                    await app.process_update(update)
                    errors = records.errors()
                    assert not errors, f"{conv.name} state {state}: {errors[0].getMessage()}"
                    texts = [c.text for c in running.api.sent(before) if c.chat_id == user_id]
                    if took and (conv.name, state) in needs:
                        assert texts and texts[0] == t("errors.draft_lost"), (conv.name, state)
                        assert conv._conversations.get(key) != state or conv.name in (
                            app.user_data[user_id]), (conv.name, state)
                        checked += 1
                    conv._update_state(ConversationHandler.END, key)
    finally:
        logging.getLogger().removeHandler(records)
    assert checked >= 40


@pytest.mark.parametrize("press", [True, False])
async def test_a_confirm_without_its_draft_restarts_the_request(running: Running,
                                                                press: bool) -> None:
    """The crash of the audit: the conversation at CONFIRM, no draft, the user confirms."""
    user = running.user(6_200_001 if press else 6_200_002)
    await user.press("svc:start:extra_siphon")
    conv = next(c for c in conversation_handlers(running.app) if c.name == services.NAME)
    conv._update_state(services.CONFIRM, (user.id, user.id))  # saved at the summary …
    running.app.user_data[user.id].clear()  # … and the draft is gone (a lost row)
    replies = await (user.press("svc:confirm") if press else user.send("بله"))
    texts = [r.text for r in replies]
    assert texts[0] == t("errors.draft_lost")
    assert texts[1] == t("services.catalog_intro")  # the request starts again
    replies = await user.tap("نصب سیفون")
    assert replies
