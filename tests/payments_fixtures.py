"""Helpers for the payment tests: the app with other settings, an owner, a request at its
invoice stage, and the outbox messages of a chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.runtime.settings import load_settings
from bot.services import workflow
from bot.store.models import Subscriber
from bot.store.request_models import NewRequest, Request
from bot.text.i18n import t
from bot.tools.simulator import SimUser
from tests.billing_fixtures import PHONE
from tests.conftest import OPERATOR_ID, Running

CARD = "6037991234567890"  # a Bale provider token: the card number money goes to
APPLICANT = 700200


@asynccontextmanager
async def running_with(running: Running, **overrides: Any) -> AsyncIterator[Running]:
    """The same store and fake Bot API, the application rebuilt with other settings."""
    await running.stop()
    settings = load_settings(database=running.settings.database,
                             operators=frozenset({OPERATOR_ID}), **overrides)
    env = Running(settings, running.store, running.api)
    await env.start()
    try:
        yield env
    finally:
        await env.stop()


async def owner(running: Running, subscriber: Subscriber, user_id: int) -> SimUser:
    """A user who proved ownership of the subscription with the phone on file."""
    user = running.user(user_id)
    await user.send(t("menu.bills"))
    await user.send(subscriber.subscription_number)
    await user.share_contact(PHONE)
    assert (await running.store.link(user_id, subscriber.id)).proof == "phone"
    return user


async def request_at_invoice(running: Running, amount: int = 3_400_000,
                             chat_id: int = APPLICANT) -> Request:
    """A tanker-water request moved to its invoice stage, with an invoice issued."""
    created = await running.store.create_request(NewRequest(
        kind="service", service="tanker_water", chat_id=chat_id, user_id=chat_id,
        stage="registered", applicant={"full_name": "مریم رضایی"},
        fields={"vehicle_plate": "۱۲ع۳۴۵ ایران ۱۵", "volume": "12"}))
    actor = f"operator:{OPERATOR_ID}"
    await workflow.move(running.store, created.code, "invoice", actor)
    await workflow.issue_invoice(running.store, created.code, amount, actor)
    request = await running.store.request_by_code(created.code)
    assert request is not None
    return request


async def outbox_of(running: Running, chat_id: int, kind: str | None = None
                    ) -> list[dict[str, Any]]:
    """The outbox rows of a chat (of one kind), oldest first."""
    return await running.store.outbox_messages(chat_id=chat_id, kind=kind)
