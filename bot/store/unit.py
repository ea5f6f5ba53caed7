"""A unit of work: one write transaction, with the domain steps a multi-table change needs.

    async with store.unit() as uow:
        request = await uow.lock_request(code)
        await uow.update_request(request.id, stage="review")
        event = await uow.add_stage(request.id, "review", note, actor)
        await uow.add_audit(actor, "move", {"to": "review"}, request_id=request.id)
        await uow.enqueue(chat_id=request.chat_id, kind="stage", text=..., dedupe_key=...)

Everything done through `uow` is committed together when the block ends, and rolled
back if it raises (or is cancelled). The feature packages decide *what* happens (which
stage, which notice, which text); the unit only knows how it is stored, so no SQL and
no driver type leaves bot/store/. Reads through the unit see the unit's own writes.

A new step: write its SQL as a function of the area's module here (taking the engine's
`Connection`, portable SQL with `?` placeholders, `RETURNING id` for a new row, `ON
CONFLICT` for upserts; `conn.for_update` after a SELECT whose rows the unit will change),
and add a one-line method below that calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.store import core, outbox, payments, requests
from bot.store.engine import Connection
from bot.store.models import Bill, Subscriber
from bot.store.outbox import NewMessage
from bot.store.payments import Payable
from bot.store.request_models import Request


class Unit:
    """The domain steps of one transaction (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # requests ----------------------------------------------------------------------------
    async def lock_request(self, code: str) -> Request | None:
        """The request with this tracking code, locked until the unit ends (two operators
        acting on it at once are served one after the other); None if there is none."""
        return await requests.locked_request(self._conn, "code", code)

    async def update_request(self, request_id: int, *, version: int | None = None,
                             **columns: Any) -> bool:
        """Set columns of a request: stage, status, pending_document and the invoice's
        (invoice_amount, invoice_paid_at, invoice_paid_ref, invoice_bill_id,
        invoice_payment_id); updated_at follows and the version is bumped. With `version`,
        only if the request is still at that version; whether it changed."""
        return await requests.update_request(self._conn, request_id, columns, version)

    async def add_stage(self, request_id: int, stage: str, note: str | None, actor: str) -> int:
        """A row of the request's stage history; its id (a notice's event number)."""
        return await requests.insert_stage(self._conn, request_id, stage, note, actor)

    async def add_audit(self, actor: str, action: str, details: Mapping[str, Any], *,
                        request_id: int | None = None) -> int:
        """A row of the audit trail; its id."""
        return await requests.insert_audit(self._conn, actor, action, details, request_id)

    # outbox ------------------------------------------------------------------------------
    async def enqueue(self, *, chat_id: int, kind: str, text: str,
                      reply_markup: dict[str, Any] | None = None, request_id: int | None = None,
                      dedupe_key: str | None = None) -> int | None:
        """A message for the notifier. A `dedupe_key` already in the outbox makes this a
        no-op (None); else the new row's id."""
        return await outbox.enqueue(self._conn, chat_id=chat_id, kind=kind, text=text,
                                    reply_markup=reply_markup, request_id=request_id,
                                    dedupe_key=dedupe_key)

    async def enqueue_many(self, *, kind: str, text: str,
                           chats: Iterable[tuple[int, str]]) -> int:
        """The same message for many chats, as (chat id, dedupe key) pairs (a broadcast);
        how many were added (a key already in the outbox is skipped)."""
        return await outbox.enqueue_many(self._conn, kind=kind, text=text, chats=chats)

    async def enqueue_batch(self, messages: Sequence[NewMessage]) -> int:
        """Many messages at once (a job's page); how many were added (a dedupe key already
        in the outbox is skipped)."""
        return await outbox.enqueue_batch(self._conn, messages)

    # subscriptions -----------------------------------------------------------------------
    async def subscriber(self, subscriber_id: int) -> Subscriber | None:
        """A subscriber by internal id."""
        return await core.subscriber_where(self._conn, "id", subscriber_id)

    async def verified_chats(self, subscriber_id: int) -> list[int]:
        """Chats that proved ownership of the subscription and did not block the bot."""
        return await core.verified_chat_ids(self._conn, subscriber_id)

    async def outage_chats(self, city: str, zone: int | None) -> list[int]:
        """Verified, unblocked chats with a subscription in the city (and zone)."""
        return await core.area_chat_ids(self._conn, city, zone)

    async def add_bills(self, bills: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert bills (columns of the bills table, `lines` as (code, amount) pairs);
        their ids in order."""
        return await core.insert_bills(self._conn, bills)

    async def add_reading(self, subscriber_id: int, read_on: dt.date, reading: int, source: str,
                          *, chat_id: int | None = None, photo_file_id: str | None = None) -> int:
        """A meter reading; its id."""
        return await core.insert_reading(self._conn, subscriber_id, read_on, reading, source,
                                         chat_id=chat_id, photo_file_id=photo_file_id)

    # links -------------------------------------------------------------------------------
    async def prove_link(self, chat_id: int, subscriber_id: int, nickname: str, proof: str,
                         *, rename: bool) -> None:
        """Link a subscription to a chat as proven (`proof`: phone or bill); an existing
        link keeps its nickname unless `rename`."""
        await core.prove_link(self._conn, chat_id, subscriber_id, nickname, proof,
                              rename=rename)

    async def remove_link(self, chat_id: int, subscriber_id: int) -> bool:
        """Remove a link; True if there was one."""
        return await core.remove_link(self._conn, chat_id, subscriber_id)

    async def phone_proven_chats(self, subscriber_id: int) -> list[int]:
        """Chats that proved the subscription with the phone on file, not blocked."""
        return await payments.phone_proven_chats(self._conn, subscriber_id)

    # payments ----------------------------------------------------------------------------
    async def find_payable(self, bill_id: str, payment_id: str) -> Payable | None:
        """The bill or request invoice with these IDs (an unpaid bill before a paid one),
        locked until the unit ends."""
        return await payments.find_payable(self._conn, bill_id, payment_id,
                                           lock=self._conn.for_update)

    async def recorded_payment(self, channel: str, reference: str) -> dict[str, Any] | None:
        """The payment already recorded under this channel's reference, if any."""
        return await payments.recorded_payment(self._conn, channel, reference)

    async def add_payment(self, payable: Payable, *, channel: str, reference: str, amount: int,
                          paid_at: dt.datetime, provider_ref: str | None = None,
                          chat_id: int | None = None) -> int | None:
        """Record a payment; None when this channel's reference is recorded already."""
        return await payments.insert_payment(
            self._conn, payable, channel=channel, reference=reference, amount=amount,
            paid_at=paid_at, provider_ref=provider_ref, chat_id=chat_id)

    async def mark_bill_paid(self, bill: Bill, paid_at: dt.datetime, reference: str) -> list[int]:
        """Mark a bill paid, with the earlier bills whose debt it carried (their reminders
        are not sent); the ids of the bills marked."""
        return await payments.mark_bill_paid(self._conn, bill, paid_at, reference)

    async def settle_earlier_bills(self, subscriber_id: int, year: int, period: int,
                                   paid_at: dt.datetime, reference: str | None = None
                                   ) -> list[int]:
        """Mark paid the subscriber's unpaid bills before a period; their ids."""
        return await payments.settle_earlier_bills(self._conn, subscriber_id, year, period,
                                                   paid_at, reference)
