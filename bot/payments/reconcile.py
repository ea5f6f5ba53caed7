"""Bank reconciliation: the banks' report of bills and invoices paid at their channels.

Each row names a payment by bill ID and payment ID, with the amount, the moment and the
bank's reference (columns in docs/import.md). A row is rejected, with its reasons, when
its IDs are not valid national IDs, name no bill or invoice, its amount differs from what
is due, it pays something already paid (with another reference) or a closed request, its
moment is not a time or lies in the future, or it repeats another row's reference or
payable. A reference already recorded is skipped (importing a file twice changes nothing).

Rows are applied in batches of BATCH, each one short transaction (bot/payments/ledger.py
writes each payment with its receipt and, for a request waiting for payment, its stage
move), after a first pass that applies and rolls back every batch to find the rejected
rows: with any rejected row nothing is kept, unless `accept_valid`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.identifiers import IdentifierError, parse_bill_id, parse_payment_id
from bot.payments.ledger import Payment, PaymentError, Recorded, record_in
from bot.store.interface import Store
from bot.text import fmt
from bot.text.fmt import TEHRAN, now_utc
from bot.text.normalise import normalize_text, parse_int, to_ascii_digits

REQUIRED = ("bill_id", "payment_id", "amount", "paid_at", "reference")
MAX_AMOUNT = 10**15  # rials, as the bills import (bot/tools/importer.py MAX_RIALS)
CHANNEL = "bank"
MAX_REFERENCE = 64
BATCH = 500  # rows per transaction: the handlers wait for one batch at most
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_REASONS = {
    "not_found": "no bill or invoice has this bill ID and payment ID",
    "amount": "amount differs from the {due} rials due",
    "already_paid": "already paid on {date} (reference {ref}): a second payment, refund or "
                    "credit it by hand",
    "closed": "the request of this invoice is no longer open",
}


def parse_moment(text: str) -> dt.datetime | None:
    """`1404/07/12`, `1404/07/12 10:35` or `1404/07/12 10:35:20` (Tehran time, any digits),
    or an ISO moment with its offset; None when it is neither."""
    raw = to_ascii_digits(text).strip().replace("T", " ", 1) if text else ""
    day_text, _, clock_text = raw.partition(" ")
    day = fmt.parse_jalali(day_text)
    if day is not None:
        match = _CLOCK.match(clock_text.strip()) if clock_text.strip() else None
        if clock_text.strip() and match is None:
            return None
        hour, minute, second = (int(g or 0) for g in match.groups()) if match else (0, 0, 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        return dt.datetime.combine(day.togregorian(), dt.time(hour, minute, second), TEHRAN)
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=TEHRAN)


def parse_row(raw: dict[str, str], now: dt.datetime) -> tuple[Payment | None, list[str]]:
    """One row as a Payment, or the reasons it is not one."""
    reasons: list[str] = []
    bill = payment_id = None
    try:
        bill = parse_bill_id(raw["bill_id"])
    except IdentifierError as exc:
        reasons.append(f"bill_id: not a valid water bill ID ({exc.code})")
    if bill is not None:
        try:
            payment_id = parse_payment_id(raw["payment_id"], bill).digits
        except IdentifierError as exc:
            reasons.append(f"payment_id: not valid for this bill ID ({exc.code})")
    amount = parse_int(raw["amount"])
    if amount is None or amount <= 0:
        reasons.append(f"amount: not a whole number of rials ({raw['amount']!r})")
    elif amount > MAX_AMOUNT:  # a typing or export error, and too large to store
        reasons.append(f"amount: {len(str(amount))} digits, more than any payment "
                       f"(at most {MAX_AMOUNT:,} rials)")
        amount = None
    paid_at = parse_moment(raw["paid_at"])
    if paid_at is None:
        reasons.append(f"paid_at: not a Jalali date and time like 1404/07/12 10:35 "
                       f"({raw['paid_at']!r})")
    elif paid_at > now:
        reasons.append("paid_at: in the future")
    reference = normalize_text(raw["reference"])
    if not reference or len(reference) > MAX_REFERENCE:
        reasons.append(f"reference: required, at most {MAX_REFERENCE} characters")
    if reasons or bill is None or payment_id is None or amount is None or paid_at is None:
        return None, reasons
    return Payment(bill.digits, payment_id, amount, reference, CHANNEL, paid_at), []


@dataclass
class Outcome:
    """What a reconciliation did."""

    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)


class _Rollback(Exception):
    """Raised inside the transaction to keep nothing."""


def _reason(error: PaymentError) -> str:
    payable = error.payable
    due = payable.amount if payable else 0
    date = "?"
    if payable and payable.paid_at:
        day = fmt.to_jalali(payable.paid_at.astimezone(TEHRAN).date())
        date = f"{day.year}/{day.month:02d}/{day.day:02d}"
    ref = payable.paid_ref if payable and payable.paid_ref else "-"
    return _REASONS[error.code].format(due=due, date=date, ref=ref)


async def apply(store: Store, rows: Iterable[tuple[int, dict[str, str]]], *,
                accept_valid: bool = False, now: dt.datetime | None = None,
                batch: int = BATCH) -> Outcome:
    """Validate and record every row (see the module doc), `batch` rows per transaction.

    First every batch is applied and rolled back, to find the rejected rows without
    holding the writer for the whole file; then, when none was rejected (or
    `accept_valid`), the valid rows are applied for real, a batch per short unit. A row
    that fails only then (its bill was paid in the chat meanwhile) is reported rejected
    and the others are kept. A run stopped half-way is finished by importing the same
    file again: the references already recorded are skipped."""
    moment = now or now_utc()
    rows = list(rows)
    check = await _pass(store, rows, moment, batch, keep=False)
    if check.rejected and not accept_valid:
        return Outcome(rejected=check.rejected)
    rejected = {line for line, _ in check.rejected}
    outcome = await _pass(store, [r for r in rows if r[0] not in rejected], moment, batch,
                          keep=True)
    outcome.rejected = sorted(check.rejected + outcome.rejected)
    return outcome


async def _pass(store: Store, rows: list[tuple[int, dict[str, str]]], moment: dt.datetime,
                batch: int, *, keep: bool) -> Outcome:
    """Apply the rows a batch per unit, committed when `keep`, else rolled back."""
    outcome = Outcome()
    seen_refs: dict[str, int] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    for start in range(0, len(rows), batch):
        with contextlib.suppress(_Rollback):
            async with store.unit() as uow:
                for line, raw in rows[start:start + batch]:
                    payment, reasons = parse_row(raw, moment)
                    if payment is not None:
                        reasons = _repeats(payment, line, seen_refs, seen_ids)
                    if payment is None or reasons:
                        outcome.rejected.append((line, reasons))
                        continue
                    try:
                        recorded = await record_in(uow, payment, strict=True)
                    except PaymentError as exc:
                        outcome.rejected.append((line, [_reason(exc)]))
                        continue
                    if recorded.new:
                        outcome.imported += 1
                        outcome.recorded.append(recorded)
                    else:
                        outcome.skipped += 1
                if not keep:
                    raise _Rollback
    return outcome


def _repeats(payment: Payment, line: int, seen_refs: dict[str, int],
             seen_ids: dict[tuple[str, str], int]) -> list[str]:
    reasons = []
    ids = (payment.bill_id, payment.payment_id)
    if payment.reference in seen_refs:
        reasons.append(f"reference: same as line {seen_refs[payment.reference]}")
    if ids in seen_ids:
        reasons.append(f"bill_id, payment_id: paid already on line {seen_ids[ids]}")
    seen_refs.setdefault(payment.reference, line)
    seen_ids.setdefault(ids, line)
    return reasons
