"""Payments: what a bill ID and payment ID name, and recording a payment exactly once.

A payable is found by its national bill ID and payment ID (what a bank, Bale's invoice
payload and the reconciliation file all carry): a bill of a subscriber, or the invoice of
a service request. The functions taking a connection run inside a unit of work
(bot/store/unit.py, used by bot/payments/ledger.py), so the payment row, the paid mark and
the receipt in the outbox commit together. `payments` has UNIQUE (channel, reference): a charge id or bank reference
seen again inserts nothing, which is what makes recording a payment idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.store.engine import Connection, Database, Reader
from bot.store.models import Bill
from bot.store.request_models import Request
from bot.text.fmt import now_utc


@dataclass(frozen=True)
class Payable:
    """A bill or a request invoice, named by its bill ID and payment ID."""

    bill: Bill | None = None
    request: Request | None = None
    superseded: bool = False  # a later bill carries this bill's amount as its debt

    @property
    def kind(self) -> str:
        """`bill` or `request`."""
        return "bill" if self.bill is not None else "request"

    @property
    def amount(self) -> int:
        """What is due, in rials."""
        if self.bill is not None:
            return self.bill.payable
        assert self.request is not None
        return self.request.invoice_amount or 0

    @property
    def paid_at(self) -> dt.datetime | None:
        """When it was paid, or None."""
        if self.bill is not None:
            return self.bill.paid_at
        assert self.request is not None
        return self.request.invoice_paid_at

    @property
    def paid_ref(self) -> str | None:
        """The reference of its payment, when known."""
        if self.bill is not None:
            return self.bill.payment_ref
        assert self.request is not None
        return self.request.invoice_paid_ref

    @property
    def ids(self) -> tuple[str, str]:
        """(bill ID, payment ID)."""
        if self.bill is not None:
            return self.bill.bill_id, self.bill.payment_id
        assert self.request is not None
        return self.request.invoice_bill_id or "", self.request.invoice_payment_id or ""

    @property
    def open(self) -> bool:
        """Whether it can still be paid: unpaid, and (a request) still open."""
        if self.paid_at is not None or self.amount <= 0:
            return False
        return self.request is None or self.request.status == "open"


async def find_payable(reader: Reader, bill_id: str, payment_id: str, *, lock: str = ""
                       ) -> Payable | None:
    """The bill or request invoice with these IDs (an unpaid bill before a paid one);
    `lock` is a connection's `for_update` to lock the row for the transaction."""
    row = await reader.fetchone(
        "SELECT * FROM bills WHERE bill_id=? AND payment_id=? ORDER BY CASE WHEN"
        f" paid_at IS NULL THEN 0 ELSE 1 END, year DESC, period DESC LIMIT 1{lock}",
        (bill_id, payment_id))
    if row is not None:
        bill = Bill.from_row(row)
        later = await reader.fetchone(
            "SELECT 1 FROM bills WHERE subscriber_id=? AND previous_balance > 0 AND"
            " (year > ? OR (year = ? AND period > ?)) LIMIT 1",
            (bill.subscriber_id, bill.year, bill.year, bill.period))
        return Payable(bill=bill, superseded=later is not None)
    row = await reader.fetchone(
        "SELECT * FROM requests WHERE invoice_bill_id=? AND invoice_payment_id=?"
        f" ORDER BY id DESC LIMIT 1{lock}", (bill_id, payment_id))
    return Payable(request=Request.from_row(row)) if row is not None else None


async def insert_payment(
    conn: Connection, payable: Payable, *, channel: str, reference: str,
    amount: int, paid_at: dt.datetime, provider_ref: str | None = None,
    chat_id: int | None = None,
) -> int | None:
    """Record a payment; None when this channel's reference is already recorded."""
    bill_id, payment_id = payable.ids
    row = await conn.fetchone(
        "INSERT INTO payments (channel, reference, provider_ref, bill_row_id, request_id,"
        " bill_id, payment_id, amount, chat_id, paid_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, reference) DO NOTHING RETURNING id",
        (channel, reference, provider_ref, payable.bill.id if payable.bill else None,
         payable.request.id if payable.request else None, bill_id, payment_id, amount,
         chat_id, paid_at.isoformat(), now_utc().isoformat()))
    return int(row[0]) if row else None


async def recorded_payment(reader: Reader, channel: str, reference: str
                           ) -> dict[str, Any] | None:
    """The payment already recorded under this channel's reference, if any."""
    row = await reader.fetchone("SELECT * FROM payments WHERE channel=? AND reference=?",
                                (channel, reference))
    return dict(row) if row else None


async def mark_bill_paid(conn: Connection, bill: Bill, paid_at: dt.datetime,
                         reference: str) -> list[int]:
    """Mark a bill paid, and the earlier unpaid bills whose debt it carried (a bill with a
    previous debt settles them); returns the ids of the bills marked."""
    marked = [int(r[0]) for r in await conn.fetchall(
        "UPDATE bills SET paid_at=?, payment_ref=? WHERE id=? AND paid_at IS NULL RETURNING id",
        (paid_at.isoformat(), reference, bill.id))]
    if bill.previous_balance > 0:
        marked += await settle_earlier_bills(conn, bill.subscriber_id, bill.year, bill.period,
                                             paid_at, reference)
    for bill_row_id in marked:  # a reminder queued for a bill now paid is not sent
        await conn.execute(
            "UPDATE outbox SET status='failed', last_error='paid' WHERE status='pending' AND"
            " kind='reminder' AND dedupe_key LIKE ?", (f"reminder:{bill_row_id}:%",))
    return marked


async def settle_earlier_bills(conn: Connection, subscriber_id: int, year: int,
                               period: int, paid_at: dt.datetime, reference: str | None = None
                               ) -> list[int]:
    """Mark paid the subscriber's unpaid bills before a period: a paid bill that carried
    them as its previous debt settled them. Returns their ids."""
    return [int(r[0]) for r in await conn.fetchall(
        "UPDATE bills SET paid_at=?, payment_ref=? WHERE subscriber_id=? AND paid_at IS NULL"
        " AND (year < ? OR (year = ? AND period < ?)) RETURNING id",
        (paid_at.isoformat(), reference, subscriber_id, year, year, period))]


async def unpaid_debt(reader: Reader, subscriber_id: int, year: int, period: int) -> int:
    """The unpaid amount of a subscriber's bills before a period: each unpaid bill's own
    charges (payable less the debt it carried), so a debt carried forward counts once."""
    row = await reader.fetchone(
        "SELECT COALESCE(SUM(payable - previous_balance), 0) FROM bills WHERE"
        " subscriber_id=? AND paid_at IS NULL AND (year < ? OR (year = ? AND period < ?))",
        (subscriber_id, year, year, period))
    return int(row[0]) if row else 0


async def phone_proven_chats(reader: Reader, subscriber_id: int) -> list[int]:
    """Chats that proved a subscription with the phone on file (the owner's), not blocked."""
    sql = ("SELECT l.chat_id FROM links l JOIN chats c ON c.chat_id = l.chat_id WHERE"
           " l.subscriber_id=? AND l.verified_at IS NOT NULL AND l.proof='phone' AND c.blocked=0"
           " ORDER BY l.chat_id")
    return [int(r[0]) for r in await reader.fetchall(sql, (subscriber_id,))]


class PaymentQueries:
    """The PaymentStore of bot/store/interface.py."""

    db: Database

    async def payable(self, bill_id: str, payment_id: str) -> Payable | None:
        """The bill or request invoice these IDs name, or None."""
        return await find_payable(self.db, bill_id, payment_id)

    async def payments_of(self, *, bill_row_id: int | None = None,
                          request_id: int | None = None) -> list[dict[str, Any]]:
        """The payments recorded for a bill or a request, oldest first."""
        column, value = ("bill_row_id", bill_row_id) if bill_row_id else ("request_id", request_id)
        sql = f"SELECT * FROM payments WHERE {column}=? ORDER BY id"
        return [dict(r) for r in await self.db.fetchall(sql, (value,))]

    async def unpaid_debt(self, subscriber_id: int, year: int, period: int) -> int:
        """The unpaid amount of the subscriber's bills before this period (`unpaid_debt`)."""
        return await unpaid_debt(self.db, subscriber_id, year, period)
