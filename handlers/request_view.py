"""How a request looks to its owner (everything) and to anyone else (the stage only)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.identifiers import format_code
from bot.payments import options
from bot.runtime.app import Ctx
from bot.services import catalog
from bot.services.catalog import Process, Service
from bot.services.deadlines import due_text, is_late
from bot.store.request_models import Request, StageEntry
from bot.text import fmt
from bot.text.fmt import jalali_datetime, rials
from bot.text.i18n import t
from bot.text.keyboards import inline

DOCUMENT_NOTE = "document:"


def status_label(status: str) -> str:
    """The Persian name of a request status."""
    if status == "cancelled":
        return t("requests.status.cancelled")
    if status == "rejected":
        return t("requests.status.rejected")
    if status == "closed":
        return t("requests.status.closed")
    return t("requests.status.open")


def stage_title(proc: Process | None, stage_id: str) -> str:
    """The Persian name of a stage (or of a status pseudo-stage such as cancelled)."""
    stage = proc.stage(stage_id) if proc else None
    return stage.title if stage else status_label(stage_id)


def process_title(request: Request) -> str:
    """The service or incident type title of a request."""
    proc = catalog.process(request.kind, request.service)
    return proc.title if proc else request.service


def cancellable(request: Request) -> bool:
    """Open and still in its first stage."""
    proc = catalog.process(request.kind, request.service)
    return request.status == "open" and proc is not None and request.stage == proc.first_stage.id


def document_title(request: Request, doc_type: str) -> str:
    """The catalog title of a document type of this request (its id if unknown)."""
    proc = catalog.process(request.kind, request.service)
    spec = proc.document(doc_type) if isinstance(proc, Service) else None
    return spec.title if spec else doc_type


def public_view(request: Request) -> str:
    """For anyone holding a valid code: the current stage and status, nothing personal."""
    proc = catalog.process(request.kind, request.service)
    return t("track.public", code=format_code(request.code),
             stage=stage_title(proc, request.stage), status=status_label(request.status))


async def owner_view(ctx: Ctx, request: Request) -> tuple[str, InlineKeyboardMarkup]:
    """For the owner: stage, history with Jalali times, the invoice with its national IDs,
    next step, what to do now, buttons (pay, send a document, cancel, list)."""
    proc = catalog.process(request.kind, request.service)
    history = await ctx.store.request_stages(request.id)
    lines = [
        t("track.owner", service=process_title(request), code=format_code(request.code),
          created=jalali_datetime(request.created_at), status=status_label(request.status),
          stage=stage_title(proc, request.stage)),
    ]
    due = due_text(proc, request.created_at)
    if due is not None and request.status == "open":
        lines.append(t("track.due_late", due=due) if is_late(request, proc)
                     else t("track.due", due=due))
    lines += [t("track.history_title"), *(_history_line(request, proc, entry) for entry in history),
              *_invoice_lines(request)]
    lines += _next_and_action(request, proc)
    rows: list[list[InlineKeyboardButton]] = []
    if request.status == "open" and request.invoice_due and request.invoice_bill_id:
        rows.append([options.pay_button(request.invoice_bill_id, request.invoice_payment_id or "",
                                        request.invoice_amount or 0, ctx.settings, ctx.profile)])
    buttons = []
    if request.status == "open" and request.pending_document:
        buttons.append([(t("requests.button_send_document"), f"req:doc:{request.id}")])
    if cancellable(request):
        buttons.append([(t("requests.button_cancel"), f"req:cancel:{request.id}")])
    buttons.append([(t("requests.button_list"), "req:list")])
    return "\n".join(lines), InlineKeyboardMarkup([*rows, *inline(buttons).inline_keyboard])


def _invoice_lines(request: Request) -> list[str]:
    """The invoice: amount and national IDs, and when and how it was paid."""
    if request.invoice_amount is None or not request.invoice_bill_id:
        return []
    lines = [t("track.invoice", amount=rials(request.invoice_amount),
               bill_id=fmt.digits(request.invoice_bill_id),
               payment_id=fmt.digits(request.invoice_payment_id or ""))]
    if request.invoice_paid_at is not None:
        lines.append(t("track.invoice_paid", date=jalali_datetime(request.invoice_paid_at),
                       reference=fmt.digits(request.invoice_paid_ref or "—")))
    return lines


def _history_line(request: Request, proc: Process | None, entry: StageEntry) -> str:
    when = jalali_datetime(entry.created_at)
    if entry.note and entry.note.startswith(DOCUMENT_NOTE):
        return t("track.history_document", when=when,
                 document=document_title(request, entry.note[len(DOCUMENT_NOTE):]))
    if entry.note and entry.note != entry.stage:
        return t("track.history_note", when=when, stage=stage_title(proc, entry.stage),
                 note=entry.note)
    return t("track.history_line", when=when, stage=stage_title(proc, entry.stage))


def _next_and_action(request: Request, proc: Process | None) -> list[str]:
    if request.status != "open":
        return [t("track.closed")]
    following = proc.next_stage(request.stage) if proc else None
    lines = [t("track.next", stage=following.title) if following else t("track.last_stage")]
    current = proc.stage(request.stage) if proc else None
    if request.invoice_due and request.invoice_amount is not None:
        lines.append(t("track.action_pay", amount=rials(request.invoice_amount)))
    elif request.pending_document:
        lines.append(t("track.action_document",
                       document=document_title(request, request.pending_document)))
    elif current and current.user_action:
        lines.append(t("track.action_stage", action=current.user_action))
    else:
        lines.append(t("track.action_none"))
    return lines
