"""Record a payment exactly once, with its receipt, in one transaction.

A payment names what it pays by bill ID and payment ID and carries its channel's reference
(Bale's charge id, or the bank's reference). In ONE transaction: the payment row (UNIQUE
per channel and reference, so a repeated Bale update or a re-imported bank file records
nothing new), the paid mark on the bill (and on the earlier bills whose debt it carried)
or on the request's invoice, the SMS-like receipt in the outbox, and for a request that
waits for its payment, the move to its next stage (bot/services/workflow.py).

Two kinds of callers:

* `strict` (the banks' reconciliation file): a payment that names nothing, whose amount
  differs, or that pays something already paid or closed is refused (`PaymentError`), so
  a clerk looks at it.
* not strict (Bale's successful_payment): the money has been taken, so the payment is
  always recorded; if the bill was paid meanwhile in another way, or the amount differs,
  nothing is marked and `Recorded.problem` says why (the user is told to ask for a refund
  or credit; the payment row keeps the evidence).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.notify import notices
from bot.services import workflow
from bot.store.interface import Store
from bot.store.payments import Payable
from bot.store.unit import Unit


class PaymentError(ValueError):
    """A payment was refused: `code` is not_found, amount, already_paid or closed."""

    def __init__(self, code: str, payable: Payable | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.payable = payable


@dataclass(frozen=True)
class Payment:
    """One payment as its channel reports it."""

    bill_id: str
    payment_id: str
    amount: int
    reference: str
    channel: str  # bale | bank
    paid_at: dt.datetime
    provider_ref: str | None = None
    chat_id: int | None = None  # the paying chat, for in-chat payments


@dataclass(frozen=True)
class Recorded:
    """What recording did: `new` is False when this reference was recorded before;
    `problem` (not strict only) says why nothing was marked paid; `stage` is the stage a
    paid request moved to."""

    payable: Payable
    new: bool
    problem: str | None = None
    stage: str | None = None


def _problem(payable: Payable, amount: int) -> str | None:
    if payable.paid_at is not None:
        return "already_paid"
    if not payable.open:
        return "closed"
    if amount != payable.amount:
        return "amount"
    return None


async def record_in(uow: Unit, payment: Payment, *, strict: bool) -> Recorded:
    """Record a payment inside the caller's unit of work (see the module doc)."""
    payable = await uow.find_payable(payment.bill_id, payment.payment_id)
    if payable is None:
        raise PaymentError("not_found")
    if await uow.recorded_payment(payment.channel, payment.reference) is not None:
        return Recorded(payable, new=False)
    problem = _problem(payable, payment.amount)
    if problem is not None and strict:
        raise PaymentError(problem, payable)
    event = await uow.add_payment(
        payable, channel=payment.channel, reference=payment.reference,
        amount=payment.amount, paid_at=payment.paid_at, provider_ref=payment.provider_ref,
        chat_id=payment.chat_id)
    assert event is not None  # the reference was not there a moment ago, in this transaction
    if problem is not None:
        return Recorded(payable, new=True, problem=problem)
    stage = None
    if payable.bill is not None:
        await uow.mark_bill_paid(payable.bill, payment.paid_at, payment.reference)
        await notices.bill_paid(uow, vars(payable.bill), payment.reference, payment.paid_at,
                                event, payer_chat=payment.chat_id)
    else:
        assert payable.request is not None
        stage = await workflow.invoice_paid(
            uow, payable.request, reference=payment.reference, paid_at=payment.paid_at,
            channel=payment.channel, payer_chat=payment.chat_id)
    return Recorded(payable, new=True, stage=stage)


async def record(store: Store, payment: Payment, *, strict: bool = False) -> Recorded:
    """Record one payment in its own transaction."""
    async with store.unit() as uow:
        return await record_in(uow, payment, strict=strict)
