"""What operators see: the queue, a request's file and the action buttons (texts and keyboards)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.domain.identifiers import format_code
from bot.services.catalog import (
    Process,
    Service,
    applicant_fields,
    incident_types,
    process,
    services,
)
from bot.services.deadlines import due_text, is_late
from bot.services.workflow import Outcome
from bot.store import Store
from bot.store.request_models import Request
from bot.text import fmt
from bot.text.fmt import now_utc
from bot.text.i18n import default_locale, t
from bot.text.keyboards import inline
from handlers.request_view import DOCUMENT_NOTE, process_title

PAGE = 8
AGES = (1, 3, 7, 30)
MAX_PAGE = 10_000
NONE = "-"


@dataclass(frozen=True)
class QueueFilter:
    """The operator's queue filter, carried in the buttons' callback data."""

    service: str | None = None
    stage: str | None = None
    age: int = 0
    page: int = 0

    def data(self, **changes: object) -> str:
        """Callback data of the queue with some values changed."""
        values = {"service": self.service, "stage": self.stage, "age": self.age,
                  "page": self.page, **changes}
        return (f"op:q:{values['service'] or NONE}:{values['stage'] or NONE}:"
                f"{values['age']}:{values['page']}")

    @classmethod
    def parse(cls, parts: list[str]) -> QueueFilter:
        """From the parts after `op:q:` (a forged value falls back to no filter)."""
        service, stage, age, page = [*parts, NONE, NONE, "0", "0"][:4]
        known = {p.id for p in (*services(), *incident_types())}
        return cls(service if service in known else None,
                   stage if stage != NONE and service in known else None,
                   _small(age, max(AGES)), _small(page, MAX_PAGE))


def _small(text: str, limit: int) -> int:
    """A page or age from callback data: ASCII digits up to `limit`, else 0 (forged data
    must not reach the database as an integer it cannot hold)."""
    return int(text) if text.isascii() and text.isdigit() and int(text) <= limit else 0


def stage_title(proc: Process | None, stage: str) -> str:
    """A stage's Persian title (the id if the catalog no longer has it)."""
    found = proc.stage(stage) if proc else None
    return found.title if found else stage


def _age(created: dt.datetime) -> str:
    days = (now_utc() - created).days
    return t("ops.age_days", days=days) if days > 0 else t("ops.age_today")


def _filter_text(flt: QueueFilter) -> str:
    parts = []
    proc = next((p for p in (*services(), *incident_types()) if p.id == flt.service), None)
    if proc:
        parts.append(t("ops.filter_service", name=proc.title))
        if flt.stage:
            parts.append(t("ops.filter_stage", name=stage_title(proc, flt.stage)))
    if flt.age:
        parts.append(t("ops.filter_age", days=flt.age))
    return t("ops.filters", text="، ".join(parts)) if parts else ""


def queue_line(request: Request) -> str:
    """One request of the queue: code, service, stage, age; ⏰ when past its expected date."""
    proc = process(request.kind, request.service)
    label = t("ops.queue_item", code=format_code(request.code), service=process_title(request),
              stage=stage_title(proc, request.stage), age=_age(request.created_at))
    return t("ops.queue_item_late", item=label) if is_late(request, proc) else label


def queue_view(rows: list[Request], total: int, flt: QueueFilter) -> tuple[str, InlineKeyboardMarkup]:
    """The queue page: one button per request, filters, paging."""
    filters = _filter_text(flt)
    if not rows:
        text = t("ops.queue_empty", filters=filters)
    else:
        text = t("ops.queue_title", total=total, filters=filters)
    buttons: list[list[tuple[str, str]]] = []
    for request in rows:
        buttons.append([(queue_line(request), f"op:open:{request.code}")])
    paging = []
    if flt.page > 0:
        paging.append((t("ops.button_previous"), flt.data(page=flt.page - 1)))
    if (flt.page + 1) * PAGE < total:
        paging.append((t("ops.button_more"), flt.data(page=flt.page + 1)))
    if paging:
        buttons.append(paging)
    row = [(t("ops.button_filter_service"), f"op:fs:{flt.age}")]
    if flt.service:
        row.append((t("ops.button_filter_stage"), f"op:ft:{flt.service}:{flt.age}"))
    row.append((t("ops.button_filter_age"), f"op:fa:{flt.service or NONE}:{flt.stage or NONE}"))
    buttons.append(row)
    buttons.append([(t("ops.button_refresh"), flt.data())])
    return text, inline(buttons)


def service_choices(age: int) -> tuple[str, InlineKeyboardMarkup]:
    """Pick a service or incident type to filter the queue by."""
    flt = QueueFilter(age=age)
    rows = [[(t("ops.button_all"), flt.data())]]
    rows += [[(p.title, flt.data(service=p.id))] for p in (*services(), *incident_types())]
    return t("ops.choose_service"), inline(rows)


def stage_choices(service: str, age: int) -> tuple[str, InlineKeyboardMarkup] | None:
    """Pick a stage of the filtered service."""
    proc = next((p for p in (*services(), *incident_types()) if p.id == service), None)
    if proc is None:
        return None
    flt = QueueFilter(service=service, age=age)
    rows = [[(t("ops.button_all"), flt.data())]]
    rows += [[(s.title, flt.data(stage=s.id))] for s in proc.stages]
    return t("ops.choose_stage"), inline(rows)


def age_choices(flt: QueueFilter) -> tuple[str, InlineKeyboardMarkup]:
    """Pick how old the listed requests must be."""
    rows = [[(t("ops.button_all"), flt.data(age=0, page=0))]]
    rows += [[(t("ops.age_choice", days=days), flt.data(age=days, page=0))] for days in AGES]
    return t("ops.choose_age"), inline(rows)


def _field_value(proc: Process | None, field_id: str, value: object) -> tuple[str, str]:
    """A stored answer as the clerk reads it: the question's label and the answer's words."""
    if field_id == "documents_on_file":
        titles = [document_title(proc, str(doc)) for doc in value] if isinstance(value, list) else []
        return t("ops.fields.documents_on_file"), t("ops.documents_on_file",
                                                    titles="، ".join(titles))
    spec = None
    if isinstance(proc, Service):  # an incident's fields are the report's own (ops.fields)
        spec = proc.field(field_id) or next(
            (f for f in applicant_fields() if f.id == field_id), None)
    if spec is None:
        key = f"ops.fields.{field_id}"
        return (t(key) if default_locale().has(key) else t("ops.fields.other")), fmt.digits(value)
    label = next((o.label for o in spec.choices() if o.id == value), None)
    return spec.label, label or fmt.digits(value)


def actor_label(actor: str, names: Mapping[str, str] | None = None) -> str:
    """Who did something, in words: the applicant, an operator (by name when known), a
    staff member at the command line, or the system."""
    kind, _, who = actor.partition(":")
    name = (names or {}).get(actor)
    if kind in {"user", "chat"}:
        return t("ops.actor_applicant")
    if kind == "operator":
        return t("ops.actor_operator", name=name or fmt.digits(who))
    if kind == "cli":
        return t("ops.actor_cli", name=who)
    return t("ops.actor_system")


async def operator_names(store: Store, actors: Iterable[str]) -> dict[str, str]:
    """The first names operators have in the bot (their private chat), by actor."""
    names = {}
    for actor in set(actors):
        kind, _, who = actor.partition(":")
        if kind == "operator" and who.isdigit():
            chat = await store.chat(int(who))
            if chat is not None and chat.first_name:
                names[actor] = chat.first_name
    return names


async def card_text(store: Store, request: Request) -> str:
    """The request's file as the clerk reads it, in the bot and in `ops show`."""
    history = await store.request_rows(request.id, "request_stages")
    documents = await store.request_rows(request.id, "documents")
    audit = await store.request_rows(request.id, "audit")
    subscriber = None
    if request.subscriber_id:
        sub = await store.subscriber(request.subscriber_id)
        subscriber = (sub.subscription_number, sub.name) if sub else None
    notes = [row for row in audit if row["action"] == "note"]
    names = await operator_names(store, [row["actor"] for row in (*history, *audit)])
    return request_card(request, history, len(documents), subscriber, notes=notes, names=names)


def request_card(request: Request, history: list[dict], documents: int,
                 subscriber: tuple[str, str] | None, *, notes: list[dict] | None = None,
                 names: Mapping[str, str] | None = None) -> str:
    """The request's file as one message: who, what, where, when due, money, history and
    the internal notes (who wrote them and when)."""
    proc = process(request.kind, request.service)
    lines = [
        t("ops.request_header", service=process_title(request), code=format_code(request.code)),
        t("ops.line_kind", kind=t("ops.kind_incident") if request.kind == "incident"
          else t("ops.kind_service")),
        t("ops.line_status", status=t(f"ops.status.{request.status}"),
          stage=stage_title(proc, request.stage)),
        t("ops.line_created", moment=fmt.jalali_datetime(request.created_at)),
    ]
    due = due_text(proc, request.created_at)
    if due is not None and request.status == "open":
        lines.append(t("ops.line_due_late", due=due) if is_late(request, proc)
                     else t("ops.line_due", due=due))
    if subscriber:
        lines.append(t("ops.line_subscriber", number=fmt.digits(subscriber[0]), name=subscriber[1]))
    for field_id, value in (*request.applicant.items(), *request.fields.items()):
        if field_id == "subscription_number" and subscriber:
            continue  # shown with the subscriber's name above
        label, shown = _field_value(proc, field_id, value)
        lines.append(t("ops.line_field", label=label, value=shown))
    if request.latitude is not None and request.longitude is not None:
        lines.append(t("ops.line_location", latitude=fmt.number(request.latitude, 5),
                       longitude=fmt.number(request.longitude, 5)))
    if request.invoice_amount:
        lines.append(t("ops.line_invoice", amount=fmt.rials(request.invoice_amount)))
        if request.invoice_paid_at is not None:
            lines.append(t("ops.line_invoice_paid", moment=fmt.jalali_datetime(
                request.invoice_paid_at), reference=fmt.digits(request.invoice_paid_ref or "—")))
    if request.pending_document:
        lines.append(t("ops.line_pending_document",
                       document=document_title(proc, request.pending_document)))
    if documents:
        lines.append(t("ops.line_documents", count=documents))
    lines.append(t("ops.history"))
    for row in history:
        note = _history_note(proc, row["note"])
        stage = (t(f"ops.status.{row['stage']}") if row["stage"] in {"rejected", "closed",
                 "cancelled"} else stage_title(proc, row["stage"]))
        lines.append(t("ops.history_item", stage=stage, actor=actor_label(row["actor"], names),
                       note=note, moment=_moment(row["created_at"])))
    if notes:
        lines.append(t("ops.notes"))
        for row in notes:
            text = json.loads(row["details"] or "{}").get("note") or ""
            lines.append(t("ops.note_item", moment=_moment(row["created_at"]), note=text,
                           actor=actor_label(row["actor"], names)))
    return "\n".join(lines)


def _history_note(proc: Process | None, note: str | None) -> str:
    if not note or note == "cancelled":
        return ""
    if note.startswith(DOCUMENT_NOTE):
        return t("ops.history_note", note=t("ops.document_arrived", title=document_title(
            proc, note[len(DOCUMENT_NOTE):])))
    return t("ops.history_note", note=note)


def _moment(value: str) -> str:
    return fmt.jalali_datetime(dt.datetime.fromisoformat(value))


async def done_text(store: Store, outcome: Outcome, arg: str = "") -> str:
    """What an action did, in one sentence (the bot's answer and the CLI's output)."""
    code = format_code(outcome.code)
    request = await store.request_row(outcome.code)
    proc = process(request.kind, request.service) if request else None
    if outcome.action == "move":
        return t("ops.done_move", code=code, stage=stage_title(proc, outcome.stage))
    if outcome.action == "invoice":
        amount = request.invoice_amount if request and request.invoice_amount else 0
        return t("ops.done_invoice", code=code, amount=fmt.rials(amount))
    if outcome.action == "ask_document":
        return t("ops.done_ask_document", code=code, document=document_title(proc, arg))
    if outcome.action == "reject":
        return t("ops.done_reject", code=code)
    if outcome.action == "close":
        return t("ops.done_close", code=code)
    return t("ops.done_note", code=code)


def document_title(proc: Process | None, doc_id: str) -> str:
    """A document's title in the service's catalog entry (the id if unknown)."""
    spec = proc.document(doc_id) if isinstance(proc, Service) else None
    return spec.title if spec else doc_id


def actions(request: Request) -> InlineKeyboardMarkup | None:
    """The buttons of an open request (None when it is finished). Each action button
    carries the request's version: `op:act:<action>:<code>:<version>[:<stage or document>]`,
    `op:stages|docs:<code>:<version>` (bot/services/workflow.py refuses a stale one)."""
    if request.status != "open":
        return inline([[(t("ops.button_queue"), QueueFilter().data())]])
    proc = process(request.kind, request.service)
    shown = f"{request.code}:{request.version}"  # the state these buttons act on
    rows: list[list[tuple[str, str]]] = []
    following = proc.next_stage(request.stage) if proc else None
    if following:
        rows.append([(t("ops.button_next", stage=following.title), f"op:act:next:{shown}")])
    rows.append([(t("ops.button_stages"), f"op:stages:{shown}"),
                 (t("ops.button_invoice"), f"op:act:inv:{shown}")])
    second = [(t("ops.button_reject"), f"op:act:rej:{shown}"),
              (t("ops.button_close"), f"op:act:close:{shown}")]
    if isinstance(proc, Service) and proc.documents:
        rows.append([(t("ops.button_ask_document"), f"op:docs:{shown}"),
                     (t("ops.button_note"), f"op:act:note:{shown}")])
    else:
        second.append((t("ops.button_note"), f"op:act:note:{shown}"))
    rows.append(second)
    rows.append([(t("ops.button_queue"), QueueFilter().data())])
    return inline(rows)


def stage_buttons(request: Request) -> InlineKeyboardMarkup:
    """Every stage of the request's process but the current one."""
    proc = process(request.kind, request.service)
    rows = [[(s.title, f"op:act:move:{request.code}:{request.version}:{s.id}")]
            for s in (proc.stages if proc else ()) if s.id != request.stage]
    rows.append([(t("ops.button_back"), f"op:open:{request.code}")])
    return inline(rows)


def document_buttons(request: Request) -> InlineKeyboardMarkup:
    """Every document of the request's service, to ask for one."""
    proc = process(request.kind, request.service)
    docs = proc.documents if isinstance(proc, Service) else ()
    rows = [[(d.title, f"op:act:doc:{request.code}:{request.version}:{d.id}")] for d in docs]
    rows.append([(t("ops.button_back"), f"op:open:{request.code}")])
    return inline(rows)
