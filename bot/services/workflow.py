"""The request state machine, the one code path of the operators' bot screens and the ops CLI.

Every action runs in ONE transaction that checks the request is still open, changes it,
writes the stage history (for stage moves, rejection and closing), an audit row (who,
what, when, details) and the applicant's notice in the outbox. Nothing is half-done:
an error rolls all of it back.

Actors are strings: `operator:<user id>` (bot), `cli:<name>` (command line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import aiosqlite

from bot.notify import notices
from bot.services.catalog import Process, Service, process
from bot.store.db import fetchone
from bot.store.interface import Store
from bot.store.request_models import Request
from bot.text.fmt import now_utc
from bot.text.normalise import parse_int
from tariffs import BranchFeeInput, TariffError, branch_fee

MAX_NOTE = 500
MAX_INVOICE = 100_000_000_000  # rials; anything above is a typing mistake


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


async def _open_request(conn: aiosqlite.Connection, code: str) -> Request:
    row = await fetchone(conn, "SELECT * FROM requests WHERE code=?", (code,))
    if row is None:
        raise WorkflowError("not_found")
    request = Request.from_row(row)
    if request.status != "open":
        raise WorkflowError("finished")
    return request


async def _audit(conn: aiosqlite.Connection, actor: str, action: str, request: Request,
                 details: dict[str, Any]) -> int:
    cur = await conn.execute(
        "INSERT INTO audit (actor, action, request_id, details, created_at) VALUES (?,?,?,?,?)",
        (actor, action, request.id, json.dumps(details, ensure_ascii=False),
         now_utc().isoformat()),
    )
    return int(cur.lastrowid or 0)


async def _history(conn: aiosqlite.Connection, request: Request, stage: str, note: str | None,
                   actor: str) -> int:
    cur = await conn.execute(
        "INSERT INTO request_stages (request_id, stage, note, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?)", (request.id, stage, note, actor, now_utc().isoformat()),
    )
    return int(cur.lastrowid or 0)


async def _update(conn: aiosqlite.Connection, request: Request, **columns: Any) -> None:
    sets = ", ".join(f"{name}=?" for name in columns)
    await conn.execute(f"UPDATE requests SET {sets}, updated_at=? WHERE id=?",
                       (*columns.values(), now_utc().isoformat(), request.id))


async def move(store: Store, code: str, stage: str | None, actor: str,
               note: str | None = None) -> Outcome:
    """Move a request to `stage` (any stage of its process but the current one), or to the
    next stage when `stage` is None."""
    clean = _clean_note(note)
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        proc = process_of(request)
        target = proc.next_stage(request.stage) if stage is None else proc.stage(stage)
        if target is None:
            raise WorkflowError("last_stage" if stage is None else "unknown_stage")
        if target.id == request.stage:
            raise WorkflowError("same_stage")
        await _update(conn, request, stage=target.id)
        event = await _history(conn, request, target.id, clean, actor)
        audit = await _audit(conn, actor, "move", request,
                             {"from": request.stage, "to": target.id, "note": clean})
        outbox = await notices.stage_changed(conn, _ref(request, proc), target.title, clean, event)
    return Outcome(code, "move", target.id, "open", audit, outbox)


def parse_amount(text: str) -> int:
    """An invoice amount in rials typed in any digits (WorkflowError `bad_amount`)."""
    amount = parse_int(text)
    if amount is None or not 0 < amount <= MAX_INVOICE:
        raise WorkflowError("bad_amount")
    return amount


def tariff_amount(request: Request, proc: Process, subscriber: Any | None) -> int:
    """The branch fee the catalog says the service costs, from the tariff engine.

    Place and use come from the request's fields (city, usage, units, contract_capacity)
    or else from the subscription on file (WorkflowError `no_tariff` / `tariff_failed`).
    """
    fees = proc.fees if isinstance(proc, Service) else None
    if fees is None or fees.branch is None:
        raise WorkflowError("no_tariff")
    fields = request.fields

    def pick(name: str) -> Any:
        value = fields.get(name)
        return value if value not in (None, "") else getattr(subscriber, name, None)

    schedule = fees.branch.schedule or getattr(subscriber, "schedule", None)
    try:
        capacity = pick("contract_capacity")
        result = branch_fee(BranchFeeInput(
            schedule=schedule, city=pick("city") or request.city,
            zone=getattr(subscriber, "zone", None), usage=pick("usage") or "household",
            units=int(pick("units") or 1),
            contract_capacity=Decimal(str(capacity)) if capacity else None,
            water=fees.branch.water, sewage=fees.branch.sewage,
        ))
    except (TariffError, ValueError, InvalidOperation, TypeError) as exc:
        raise WorkflowError("tariff_failed") from exc
    return result.total


async def issue_invoice(store: Store, code: str, amount: int | None, actor: str,
                        note: str | None = None) -> Outcome:
    """Issue the invoice of a request: `amount` in rials, or None to take the branch fee
    from the tariff engine (only for services whose catalog entry says so)."""
    clean = _clean_note(note)
    if amount is not None and not 0 < amount <= MAX_INVOICE:
        raise WorkflowError("bad_amount")
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        proc = process_of(request)
        source = "typed"
        if amount is None:
            subscriber = (await store.subscriber(request.subscriber_id)
                          if request.subscriber_id else None)
            amount, source = tariff_amount(request, proc, subscriber), "tariff"
        await _update(conn, request, invoice_amount=amount, invoice_paid_at=None)
        audit = await _audit(conn, actor, "invoice", request,
                             {"amount": amount, "source": source, "note": clean})
        outbox = await notices.invoice_issued(conn, _ref(request, proc), amount, clean, audit)
    return Outcome(code, "invoice", request.stage, "open", audit, outbox)


async def ask_document(store: Store, code: str, document: str, actor: str,
                       note: str | None = None) -> Outcome:
    """Ask the applicant for a missing or unreadable document of the service."""
    clean = _clean_note(note)
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        proc = process_of(request)
        spec = proc.document(document) if isinstance(proc, Service) else None
        if spec is None:
            raise WorkflowError("unknown_document")
        await _update(conn, request, pending_document=spec.id)
        audit = await _audit(conn, actor, "ask_document", request,
                             {"document": spec.id, "note": clean})
        outbox = await notices.document_requested(conn, _ref(request, proc), spec.title, clean,
                                                  audit)
    return Outcome(code, "ask_document", request.stage, "open", audit, outbox)


async def reject(store: Store, code: str, reason: str, actor: str) -> Outcome:
    """Reject a request with a reason the applicant is told."""
    clean = _clean_note(reason)
    if clean is None:
        raise WorkflowError("no_reason")
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        proc = process_of(request)
        await _update(conn, request, status="rejected", pending_document=None)
        await _history(conn, request, "rejected", clean, actor)
        audit = await _audit(conn, actor, "reject", request, {"reason": clean})
        outbox = await notices.request_rejected(conn, _ref(request, proc), clean, audit)
    return Outcome(code, "reject", request.stage, "rejected", audit, outbox)


async def close(store: Store, code: str, actor: str, note: str | None = None) -> Outcome:
    """Close a request that is done."""
    clean = _clean_note(note)
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        proc = process_of(request)
        await _update(conn, request, status="closed", pending_document=None)
        await _history(conn, request, "closed", clean, actor)
        audit = await _audit(conn, actor, "close", request, {"note": clean})
        outbox = await notices.request_closed(conn, _ref(request, proc), clean, audit)
    return Outcome(code, "close", request.stage, "closed", audit, outbox)


async def add_note(store: Store, code: str, note: str, actor: str) -> Outcome:
    """An internal note on the request (audit trail only; the applicant is not told)."""
    clean = _clean_note(note)
    if clean is None:
        raise WorkflowError("no_note")
    async with store.transaction() as conn:
        request = await _open_request(conn, code)
        audit = await _audit(conn, actor, "note", request, {"note": clean})
    return Outcome(code, "note", request.stage, request.status, audit, None)


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
        async with store.transaction() as conn:
            if await notices.new_request_alert(conn, operators_chat, ref, request.kind):
                queued += 1
    return queued
