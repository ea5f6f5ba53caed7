"""Operators' work in the bot: /ops queue, a request's file, stage moves and other actions,
and /outage notices. Every handler is behind `operator_only`: anyone else gets exactly
what an unknown command or a stale button gets (handlers/fallback.py), nothing more.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.app import Ctx
from bot.notify import notices
from bot.services import workflow
from bot.services.catalog import Service, process
from bot.store.request_models import Request
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import inline
from handlers import fallback
from handlers import operator_views as views
from handlers.common import answer_query, message_text, reply, show

INPUT = 0
DRAFT = "ops_input"
OUTAGE = "ops_outage"
Callback = Callable[[Update, Ctx], Awaitable[Any]]


def operator_only(callback: Callback) -> Callback:
    """The one guard: run the handler for operators; answer anyone else as the fallback does."""

    @functools.wraps(callback)
    async def guarded(update: Update, ctx: Ctx) -> Any:
        user = update.effective_user
        if ctx.settings.is_operator(user.id if user else None):
            return await callback(update, ctx)
        if update.callback_query is not None:
            await fallback.unknown_button(update, ctx)
        else:
            await fallback.unknown_message(update, ctx)
        return ConversationHandler.END

    return guarded


def _actor(update: Update) -> str:
    user = update.effective_user
    return f"operator:{user.id if user else 0}"


def _parts(update: Update) -> list[str]:
    query = update.callback_query
    return (query.data or "").split(":") if query else []


# queue ---------------------------------------------------------------------------------
@operator_only
async def ops_command(update: Update, ctx: Ctx) -> None:
    """Show the queue of open requests, unfiltered."""
    await _queue(update, ctx, views.QueueFilter())


@operator_only
async def queue_page(update: Update, ctx: Ctx) -> None:
    """A queue page with the filter carried in the button."""
    await answer_query(update)
    await _queue(update, ctx, views.QueueFilter.parse(_parts(update)[2:]))


async def _queue(update: Update, ctx: Ctx, flt: views.QueueFilter) -> None:
    rows, total = await ctx.store.request_queue(
        service=flt.service, stage=flt.stage, min_age_days=flt.age or None,
        limit=views.PAGE, offset=flt.page * views.PAGE,
    )
    text, markup = views.queue_view(rows, total, flt)
    await show(update, ctx, text, markup)


@operator_only
async def filter_choice(update: Update, ctx: Ctx) -> None:
    """The service, stage or age choices of the queue filter."""
    await answer_query(update)
    parts = [*_parts(update), "", ""]
    kind, first, second = parts[1], parts[2], parts[3]
    found = None
    if kind == "fs":
        found = views.service_choices(int(first) if first.isdigit() else 0)
    elif kind == "ft":
        found = views.stage_choices(first, int(second) if second.isdigit() else 0)
    else:
        found = views.age_choices(views.QueueFilter.parse([first, second]))
    if found is None:
        await fallback.unknown_button(update, ctx)
        return
    await show(update, ctx, *found)


# one request ---------------------------------------------------------------------------
async def _load(update: Update, ctx: Ctx, code: str) -> Request | None:
    request = await ctx.store.request_row(code)
    if request is None:
        await reply(update, t("ops.error_not_found"))
    return request


async def _card(update: Update, ctx: Ctx, request: Request) -> None:
    history = await ctx.store.request_rows(request.id, "request_stages")
    documents = await ctx.store.request_rows(request.id, "documents")
    subscriber = None
    if request.subscriber_id:
        sub = await ctx.store.subscriber(request.subscriber_id)
        subscriber = (sub.subscription_number, sub.name) if sub else None
    text = views.request_card(request, history, len(documents), subscriber)
    await reply(update, text, views.actions(request))


@operator_only
async def open_request(update: Update, ctx: Ctx) -> None:
    """A request's file: the card, its map location and the documents themselves."""
    await answer_query(update)
    request = await _load(update, ctx, _parts(update)[2])
    if request is None or update.effective_chat is None:
        return
    chat_id = update.effective_chat.id
    if request.latitude is not None and request.longitude is not None:
        await ctx.bot.send_location(chat_id, request.latitude, request.longitude)
    proc = process(request.kind, request.service)
    for doc in await ctx.store.request_rows(request.id, "documents"):
        caption = t("ops.document_caption", title=views.document_title(proc, doc["doc_type"]))
        if doc["media"] == "photo":
            await ctx.bot.send_photo(chat_id, doc["file_id"], caption=caption)
        else:
            await ctx.bot.send_document(chat_id, doc["file_id"], caption=caption)
    await _card(update, ctx, request)


@operator_only
async def choose(update: Update, ctx: Ctx) -> None:
    """Stage or document buttons of a request."""
    await answer_query(update)
    parts = _parts(update)
    request = await _load(update, ctx, parts[2])
    if request is None:
        return
    if request.status != "open":
        await reply(update, t("ops.error_finished"), views.actions(request))
        return
    markup = views.stage_buttons(request) if parts[1] == "stages" else views.document_buttons(
        request)
    prompt = t("ops.choose_stage") if parts[1] == "stages" else t("ops.button_ask_document")
    await show(update, ctx, prompt, markup)


# actions (a short conversation for the note, amount or reason) ---------------------------
PROMPTS = {"next": "ops.ask_note", "move": "ops.ask_note", "close": "ops.ask_note",
           "doc": "ops.ask_note", "inv": "ops.ask_amount", "rej": "ops.ask_reason",
           "note": "ops.ask_internal_note"}
OPTIONAL = {"next", "move", "close", "doc"}


@operator_only
async def start_action(update: Update, ctx: Ctx) -> int:
    """An action button: remember it and ask for its note, amount or reason."""
    await answer_query(update)
    parts = [*_parts(update), "", "", ""]
    action, code, arg = parts[2], parts[3], parts[4]
    request = await ctx.store.request_row(code) if action in PROMPTS else None
    ctx.user_data.pop(DRAFT, None)  # a new action replaces any half-typed one
    if request is None:
        await fallback.unknown_button(update, ctx)
        return ConversationHandler.END
    if request.status != "open":
        await reply(update, t("ops.error_finished"), views.actions(request))
        return ConversationHandler.END
    ctx.user_data[DRAFT] = {"action": action, "code": code, "arg": arg}
    rows = []
    if action in OPTIONAL:
        rows.append([(t("ops.button_skip"), "op:skip")])
    prompt = t(PROMPTS[action])
    proc = process(request.kind, request.service)
    if action == "inv" and isinstance(proc, Service) and proc.fees.branch:
        prompt = t("ops.ask_amount_tariff")
        rows.append([(t("ops.button_tariff"), "op:tariff")])
    rows.append([(t("ops.button_back"), f"op:open:{code}")])
    await reply(update, prompt, inline(rows))
    return INPUT


@operator_only
async def typed_input(update: Update, ctx: Ctx) -> int:
    """The note, amount or reason: run the action (a bad value keeps the step)."""
    return await _run(update, ctx, message_text(update))


@operator_only
async def skip_or_tariff(update: Update, ctx: Ctx) -> int:
    """'Without a note' or 'from the tariff': run the action without typed text."""
    await answer_query(update)
    return await _run(update, ctx, None, from_tariff=_parts(update)[1] == "tariff")


@operator_only
async def not_text(update: Update, ctx: Ctx) -> int:
    """Anything but text while an action waits for its text."""
    await reply(update, t("ops.need_text"))
    return INPUT


async def _run(update: Update, ctx: Ctx, text: str | None, from_tariff: bool = False) -> int:
    draft = ctx.user_data.get(DRAFT)
    if not draft:
        await fallback.unknown_button(update, ctx)
        return ConversationHandler.END
    action, code, arg = draft["action"], draft["code"], draft["arg"]
    actor = _actor(update)
    try:
        if action == "inv":
            amount = None if from_tariff else workflow.parse_amount(text or "")
            outcome = await workflow.issue_invoice(ctx.store, code, amount, actor)
        elif text is None and action not in OPTIONAL:
            await reply(update, t("ops.need_text"))
            return INPUT
        elif action in {"next", "move"}:
            outcome = await workflow.move(ctx.store, code, arg or None, actor, text)
        elif action == "close":
            outcome = await workflow.close(ctx.store, code, actor, text)
        elif action == "doc":
            outcome = await workflow.ask_document(ctx.store, code, arg, actor, text)
        elif action == "rej":
            outcome = await workflow.reject(ctx.store, code, text or "", actor)
        else:
            outcome = await workflow.add_note(ctx.store, code, text or "", actor)
    except workflow.WorkflowError as exc:
        await reply(update, t(f"ops.error_{exc.code}"))
        if exc.code in {"not_found", "finished", "unknown_service", "unknown_stage",
                        "same_stage", "last_stage", "unknown_document"}:
            ctx.user_data.pop(DRAFT, None)
            return ConversationHandler.END
        return INPUT
    ctx.user_data.pop(DRAFT, None)
    await reply(update, await _done(ctx, outcome, arg))
    request = await ctx.store.request_row(code)
    if request is not None:
        await _card(update, ctx, request)
    return ConversationHandler.END


async def _done(ctx: Ctx, outcome: workflow.Outcome, arg: str) -> str:
    code = fmt.digits(outcome.code)
    request = await ctx.store.request_row(outcome.code)
    proc = process(request.kind, request.service) if request else None
    if outcome.action == "move":
        return t("ops.done_move", code=code, stage=views.stage_title(proc, outcome.stage))
    if outcome.action == "invoice":
        amount = request.invoice_amount if request and request.invoice_amount else 0
        return t("ops.done_invoice", code=code, amount=fmt.rials(amount))
    if outcome.action == "ask_document":
        return t("ops.done_ask_document", code=code, document=views.document_title(proc, arg))
    if outcome.action == "reject":
        return t("ops.done_reject", code=code)
    if outcome.action == "close":
        return t("ops.done_close", code=code)
    return t("ops.done_note", code=code)


# planned outages -----------------------------------------------------------------------
EXAMPLE_PLACE = "tabriz:2"


@operator_only
async def outage_command(update: Update, ctx: Ctx) -> None:
    """/outage CITY[:ZONE] DAY FROM-TO REASON: preview, then confirm."""
    try:
        outage = notices.parse_outage(list(ctx.args or []))
    except notices.OutageError as exc:
        key = {"usage": "ops.outage_usage", "place": "ops.outage_error_place"}.get(exc.code)
        if key:
            await reply(update, t(key, example=EXAMPLE_PLACE))
        else:
            await reply(update, t(f"ops.outage_error_{exc.code}"))
        return
    async with ctx.store.transaction() as conn:
        count = len(await notices.outage_chats(conn, outage.city, outage.zone))
    if not count:
        await reply(update, t("ops.outage_none"))
        return
    ctx.user_data[OUTAGE] = {"city": outage.city, "zone": outage.zone,
                             "start": outage.start.isoformat(), "end": outage.end.isoformat(),
                             "reason": outage.reason}
    await reply(update, t("ops.outage_preview", count=count, text=notices.outage_text(outage)),
                inline([[(t("ops.outage_confirm"), "op:outage:yes"),
                         (t("ops.outage_cancel"), "op:outage:no")]]))


@operator_only
async def outage_confirm(update: Update, ctx: Ctx) -> None:
    """Queue the previewed outage notice (or drop it)."""
    await answer_query(update)
    saved = ctx.user_data.pop(OUTAGE, None)
    if saved is None:
        await fallback.unknown_button(update, ctx)
        return
    if _parts(update)[2] != "yes":
        await show(update, ctx, t("ops.outage_cancelled"), None)
        return
    outage = notices.Outage(saved["city"], saved["zone"],
                            dt.datetime.fromisoformat(saved["start"]),
                            dt.datetime.fromisoformat(saved["end"]), saved["reason"])
    async with ctx.store.transaction() as conn:
        _, count = await notices.enqueue_outage(conn, outage, _actor(update))
    await show(update, ctx, t("ops.outage_sent", count=count), None)


@operator_only
async def stale(update: Update, ctx: Ctx) -> None:
    """Any other op: button (old or forged) of an operator."""
    await fallback.unknown_button(update, ctx)


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        CommandHandler("ops", ops_command),
        CommandHandler("outage", outage_command),
        ConversationHandler(
            name=DRAFT,
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(start_action, pattern=r"^op:act:")],
            states={
                INPUT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed_input),
                    CallbackQueryHandler(skip_or_tariff, pattern=r"^op:(skip|tariff)$"),
                    MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   not_text),
                ],
            },
            fallbacks=[],
        ),
        CallbackQueryHandler(queue_page, pattern=r"^op:q:"),
        CallbackQueryHandler(filter_choice, pattern=r"^op:(fs|ft|fa):"),
        CallbackQueryHandler(open_request, pattern=r"^op:open:\d+$"),
        CallbackQueryHandler(choose, pattern=r"^op:(stages|docs):\d+$"),
        CallbackQueryHandler(outage_confirm, pattern=r"^op:outage:(yes|no)$"),
        CallbackQueryHandler(stale, pattern=r"^op:"),
    ]
