"""The request state machine, the one code path of the operators' bot screens and the ops CLI.

Every action runs in ONE unit of work (bot/store/unit.py) that locks the request, checks
it is still open, changes it, writes the stage history (for stage moves, rejection and closing), an audit row (who,
what, when, details) and the applicant's notice in the outbox. Nothing is half-done:
an error rolls all of it back.

Actors are strings: `operator:<user id>` (bot), `cli:<name>` (command line), and
`payment:<channel>` when a paid invoice moves a request on (`invoice_paid`).

An invoice is a national-standard bill (domain.md section 2, water service type), payable
at any bank: its bill ID is INVOICE_PREFIX + the request's row id (9 digits) + the water
digit + the check digit, so it can never be a subscriber's (checked when issued, and the
next prefix down is taken in the unlikely case a subscription has it); its payment ID
carries the amount in thousands of rials, the last digit of the Jalali year of issue and
the month of issue as the "period". Because the payment ID carries whole thousands, an
invoice amount is rounded DOWN to a multiple of 1,000 rials (as bills are, seed 002 item
27), and that is the amount the applicant is told and pays.

Actions apply once. Every change of a request bumps its `version`; an operator's button
carries the version its screen was shown for, and the CLI may name the stage (or the
version) it expects. `View` is that expectation: an action whose view is out of date
is refused with `stale` (`_open_request`), and the write itself only succeeds on the
version it read (`_update`), so two operators pressing «next stage» at once move the
request one stage and one notice goes out, and a second invoice never overwrites the
first unseen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.identifiers import BillId, PaymentId
from bot.notify import notices
from bot.services.catalog import Process, Service, Stage, awaits_payment, process
from bot.services.deadlines import due_text, late_cutoffs
from bot.services.fees import expected_branch_fee
from bot.store.interface import Store
from bot.store.request_models import Request
from bot.store.unit import Unit
from bot.text.fmt import TEHRAN, now_utc, to_jalali
from bot.text.normalise import parse_int

MAX_NOTE = 500
MIN_REASON = 10  # characters: a rejection must tell the applicant what is wrong
MAX_INVOICE = 100_000_000_000  # rials; anything above is a typing mistake
INVOICE_UNIT = 1000  # the payment ID carries whole thousands of rials
INVOICE_PREFIX = 99  # first digits of a request invoice's bill ID (then 98, 97, … if taken)


class WorkflowError(ValueError):
    """An action was refused; `code` names why (see the `ops.error_*` locale keys)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """What an action did."""

    code: str
    action: str
    stage: str
    status: str
    audit_id: int
    outbox_id: int | None


@dataclass(frozen=True)
class View:
    """What an action expects the request to be (None: anything): the version its
    screen was shown for, and/or the stage."""

    version: int | None = None
    stage: str | None = None

    def check(self, request: Request) -> None:
        """WorkflowError `stale` when the request has changed since this view."""
        if (self.version is not None and request.version != self.version) or (
                self.stage is not None and request.stage != self.stage):
            raise WorkflowError("stale")


ANY = View()


def process_of(request: Request) -> Process:
    """The catalog entry of a request (WorkflowError `unknown_service` if it left the catalog)."""
    found = process(request.kind, request.service)
    if found is None:
        raise WorkflowError("unknown_service")
    return found


def _ref(request: Request, proc: Process) -> notices.RequestRef:
    return notices.RequestRef(request.id, request.chat_id, request.code, proc.title)


def _clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise WorkflowError("note_too_long")
    return text or None


async def _open_request(uow: Unit, code: str, view: View) -> Request:
    request = await uow.lock_request(code)
    if request is None:
        raise WorkflowError("not_found")
    if request.status != "open":
        raise WorkflowError("finished")
    view.check(request)
    return request


async def _audit(uow: Unit, actor: str, action: str, request: Request,
                 details: dict[str, Any]) -> int:
    return await uow.add_audit(actor, action, details, request_id=request.id)


async def _update(uow: Unit, request: Request, *, checked: bool = True,
                  **columns: Any) -> Request:
    """Change the request as it was read (its version), bumping the version; `stale`
    when someone else changed it in between. `checked=False` for a fact that is no one's
    decision on a view (a payment): it applies whatever the version. Returns the request
    with its new version (for a second change in the same transaction)."""
    if not await uow.update_request(request.id, version=request.version if checked else None,
                                    **columns):
        raise WorkflowError("stale")
    return replace(request, version=request.version + 1)


async def move(store: Store, code: str, stage: str | None, actor: str,
               note: str | None = None, view: View = ANY) -> Outcome:
    """Move a request to `stage` (any stage of its process but the current one), or to the
    next stage when `stage` is None."""
    clean = _clean_note(note)
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        proc = process_of(request)
        target = proc.next_stage(request.stage) if stage is None else proc.stage(stage)
        if target is None:
            raise WorkflowError("last_stage" if stage is None else "unknown_stage")
        if target.id == request.stage:
            raise WorkflowError("same_stage")
        audit, outbox = await _move_to(uow, request, proc, target, clean, actor)
    return Outcome(code, "move", target.id, "open", audit, outbox)


async def _move_to(uow: Unit, request: Request, proc: Process, target: Stage,
                   note: str | None, actor: str, *, checked: bool = True
                   ) -> tuple[int, int | None]:
    """Move to `target` with its history, audit row and notice; (audit id, outbox id)."""
    await _update(uow, request, checked=checked, stage=target.id)
    event = await uow.add_stage(request.id, target.id, note, actor)
    audit = await _audit(uow, actor, "move", request,
                         {"from": request.stage, "to": target.id, "note": note})
    outbox = await notices.stage_changed(uow, _ref(request, proc), target.title, note, event)
    return audit, outbox


def parse_amount(text: str) -> int:
    """An invoice amount in rials typed in any digits (WorkflowError `bad_amount`)."""
    amount = parse_int(text)
    if amount is None or not INVOICE_UNIT <= amount <= MAX_INVOICE:
        raise WorkflowError("bad_amount")
    return amount


def invoice_ids(request_id: int, amount: int, issued: dt.datetime,
                prefix: int = INVOICE_PREFIX) -> tuple[str, str]:
    """The national bill ID and payment ID of a request's invoice (see the module doc)."""
    bill = BillId.build(f"{prefix}{request_id:09d}")
    day = to_jalali(issued.astimezone(TEHRAN).date())
    return bill.digits, PaymentId.build(bill, amount, day.year, day.month).digits


async def _free_invoice_ids(store: Store, request_id: int, amount: int) -> tuple[str, str]:
    for prefix in range(INVOICE_PREFIX, INVOICE_PREFIX - 10, -1):
        bill_id, payment_id = invoice_ids(request_id, amount, now_utc(), prefix)
        if await store.subscriber_by_bill_id(bill_id) is None:
            return bill_id, payment_id
    raise WorkflowError("tariff_failed")  # ten prefixes taken by subscriptions: cannot happen


def tariff_amount(request: Request, proc: Process, subscriber: Any | None) -> int:
    """The branch fee the catalog says the service costs, from the tariff engine
    (bot/services/fees.py: the request's answers, else the subscription on file).
    WorkflowError `no_tariff` when the service has none, `tariff_failed` when the
    request's data do not allow it."""
    if not isinstance(proc, Service) or proc.fees.branch is None:
        raise WorkflowError("no_tariff")
    amount = expected_branch_fee(proc, subscriber, request.fields)
    if amount is None:
        raise WorkflowError("tariff_failed")
    return amount


async def issue_invoice(store: Store, code: str, amount: int | None, actor: str,
                        note: str | None = None, view: View = ANY) -> Outcome:
    """Issue the invoice of a request: `amount` in rials, or None to take the branch fee
    from the tariff engine (only for services whose catalog entry says so)."""
    clean = _clean_note(note)
    if amount is not None and not INVOICE_UNIT <= amount <= MAX_INVOICE:
        raise WorkflowError("bad_amount")
    found = await store.request_by_code(code)
    if found is None:
        raise WorkflowError("not_found")
    source = "typed"
    if amount is None:
        subscriber = await store.subscriber(found.subscriber_id) if found.subscriber_id else None
        amount, source = tariff_amount(found, process_of(found), subscriber), "tariff"
    amount -= amount % INVOICE_UNIT
    if amount < INVOICE_UNIT:
        raise WorkflowError("bad_amount")
    bill_id, payment_id = await _free_invoice_ids(store, found.id, amount)
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        proc = process_of(request)
        await _update(uow, request, invoice_amount=amount, invoice_paid_at=None,
                      invoice_paid_ref=None, invoice_bill_id=bill_id,
                      invoice_payment_id=payment_id)
        audit = await _audit(uow, actor, "invoice", request,
                             {"amount": amount, "source": source, "note": clean,
                              "bill_id": bill_id, "payment_id": payment_id})
        outbox = await notices.invoice_issued(uow, _ref(request, proc), amount, clean, audit,
                                              bill_id=bill_id, payment_id=payment_id)
    return Outcome(code, "invoice", request.stage, "open", audit, outbox)


async def invoice_paid(uow: Unit, request: Request, *, reference: str,
                       paid_at: dt.datetime, channel: str, payer_chat: int | None = None
                       ) -> str | None:
    """Inside the payment's transaction (bot/payments/ledger.py): mark the request's invoice
    paid, audit it, tell the applicant (and a payer in another chat) with the reference,
    and move a request that waits for the payment (`catalog.awaits_payment`) to its next
    stage. Returns the stage it moved to, or None."""
    proc = process_of(request)
    actor = f"payment:{channel}"
    request = await _update(uow, request, checked=False,  # a payment is a fact
                            invoice_paid_at=paid_at.isoformat(), invoice_paid_ref=reference)
    audit = await _audit(uow, actor, "paid", request,
                         {"amount": request.invoice_amount, "reference": reference,
                          "channel": channel})
    await notices.invoice_paid(uow, _ref(request, proc), request.invoice_amount or 0,
                               reference, paid_at, audit, payer_chat=payer_chat,
                               ids=(request.invoice_bill_id or "", request.invoice_payment_id or ""))
    target = proc.next_stage(request.stage)
    if request.status != "open" or not awaits_payment(request.stage) or target is None:
        return None
    await _move_to(uow, request, proc, target, None, actor, checked=False)
    return target.id


async def ask_document(store: Store, code: str, document: str, actor: str,
                       note: str | None = None, view: View = ANY) -> Outcome:
    """Ask the applicant for a missing or unreadable document of the service."""
    clean = _clean_note(note)
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        proc = process_of(request)
        spec = proc.document(document) if isinstance(proc, Service) else None
        if spec is None:
            raise WorkflowError("unknown_document")
        await _update(uow, request, pending_document=spec.id)
        audit = await _audit(uow, actor, "ask_document", request,
                             {"document": spec.id, "note": clean})
        outbox = await notices.document_requested(uow, _ref(request, proc), spec.title, clean,
                                                  audit)
    return Outcome(code, "ask_document", request.stage, "open", audit, outbox)


def check_reason(reason: str | None) -> str:
    """A rejection reason the applicant can act on: WorkflowError `no_reason` when empty,
    `reason_too_short` under MIN_REASON characters, `note_too_long` over MAX_NOTE."""
    clean = _clean_note(reason)
    if clean is None:
        raise WorkflowError("no_reason")
    if len(clean) < MIN_REASON:
        raise WorkflowError("reason_too_short")
    return clean


async def reject(store: Store, code: str, reason: str, actor: str,
                 view: View = ANY) -> Outcome:
    """Reject a request with a reason the applicant is told."""
    clean = check_reason(reason)
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        proc = process_of(request)
        await _update(uow, request, status="rejected", pending_document=None)
        await uow.add_stage(request.id, "rejected", clean, actor)
        audit = await _audit(uow, actor, "reject", request, {"reason": clean})
        outbox = await notices.request_rejected(uow, _ref(request, proc), clean, audit)
    return Outcome(code, "reject", request.stage, "rejected", audit, outbox)


async def close(store: Store, code: str, actor: str, note: str | None = None,
                view: View = ANY) -> Outcome:
    """Close a request that is done."""
    clean = _clean_note(note)
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        proc = process_of(request)
        await _update(uow, request, status="closed", pending_document=None)
        await uow.add_stage(request.id, "closed", clean, actor)
        audit = await _audit(uow, actor, "close", request, {"note": clean})
        outbox = await notices.request_closed(uow, _ref(request, proc), clean, audit)
    return Outcome(code, "close", request.stage, "closed", audit, outbox)


async def add_note(store: Store, code: str, note: str, actor: str,
                   view: View = ANY) -> Outcome:
    """An internal note on the request (audit trail only; the applicant is not told)."""
    clean = _clean_note(note)
    if clean is None:
        raise WorkflowError("no_note")
    async with store.unit() as uow:
        request = await _open_request(uow, code, view)
        audit = await _audit(uow, actor, "note", request, {"note": clean})
    return Outcome(code, "note", request.stage, request.status, audit, None)


async def notify_late(store: Store, now: dt.datetime | None = None) -> int:
    """Tell each applicant whose request passed its expected date (the service's average
    duration), once per request; returns how many notices were queued."""
    moment = now or now_utc()
    queued = 0
    for request in await store.overdue_requests(late_cutoffs(moment)):
        proc = process_of(request)
        due = due_text(proc, request.created_at)
        if due is None:
            continue
        async with store.unit() as uow:
            if await notices.request_late(uow, _ref(request, proc), due):
                queued += 1
    return queued


async def alert_operators(store: Store, operators_chat: int | None) -> int:
    """Tell the operators' group about every open request it has not heard of (idempotent).
    Returns how many alerts were queued."""
    if operators_chat is None:
        return 0
    queued = 0
    for request in await store.unalerted_requests():
        proc = process(request.kind, request.service)
        ref = notices.RequestRef(request.id, operators_chat, request.code,
                                 proc.title if proc else request.service)
        async with store.unit() as uow:
            if await notices.new_request_alert(uow, operators_chat, ref, request.kind):
                queued += 1
    return queued
