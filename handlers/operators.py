"""Operators' work in the bot: /ops queue, a request's file, stage moves and other actions
(/outage notices are handlers/outage.py). Every handler is behind `operator_only`: anyone else gets exactly
what an unknown command or a stale button gets (handlers/fallback.py), nothing more.
"""

from __future__ import annotations

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

from bot.domain.identifiers import format_code
from bot.runtime.app import Ctx
from bot.services import workflow
from bot.services.catalog import Service, process
from bot.store.request_models import Request
from bot.text.i18n import t
from bot.text.keyboards import inline
from bot.text.normalise import clean_file_name
from handlers import fallback
from handlers import operator_views as views
from handlers.common import ID, answer_query, ensure_chat, message_text, reply, show
from handlers.request_view import process_title

INPUT = 0
DRAFT = "ops_input"
DRAFT_CONVERSATION, DRAFT_STATES = DRAFT, (INPUT,)  # handlers/recovery.py
OUTAGE = "ops_outage"
Callback = Callable[[Update, Ctx], Awaitable[Any]]


def operator_only(callback: Callback) -> Callback:
    """The one guard: run the handler for operators; answer anyone else as the fallback does."""

    @functools.wraps(callback)
    async def guarded(update: Update, ctx: Ctx) -> Any:
        user = update.effective_user
        if ctx.settings.is_operator(user.id if user else None):
            await ensure_chat(update, ctx)  # the operator's name, for the cards' history
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


async def _card(ctx: Ctx, chat_id: int, request: Request) -> None:
    await ctx.bot.send_message(chat_id, await views.card_text(ctx.store, request),
                               reply_markup=views.actions(request))


async def send_file(ctx: Ctx, chat_id: int, code: str) -> bool:
    """Send a request's file to an operator's private chat: its map location, the
    documents themselves and the card with the action buttons. False if no such request."""
    request = await ctx.store.request_row(code)
    if request is None:
        return False
    if request.latitude is not None and request.longitude is not None:
        await ctx.bot.send_location(chat_id, request.latitude, request.longitude)
    proc = process(request.kind, request.service)
    for doc in await ctx.store.request_rows(request.id, "documents"):
        caption = t("ops.document_caption", title=views.document_title(proc, doc["doc_type"]))
        if doc["file_name"]:  # as sent, but no bidi override can disguise it
            caption += "\n" + t("guard.file_name", name=clean_file_name(doc["file_name"]))
        if doc["media"] == "photo":
            await ctx.bot.send_photo(chat_id, doc["file_id"], caption=caption)
        else:
            await ctx.bot.send_document(chat_id, doc["file_id"], caption=caption)
    await _card(ctx, chat_id, request)
    return True


@operator_only
async def open_request(update: Update, ctx: Ctx) -> None:
    """A request's file: the card, its map location and the documents themselves."""
    await answer_query(update)
    if update.effective_chat is None:
        return
    if not await send_file(ctx, update.effective_chat.id, _parts(update)[2]):
        await reply(update, t("ops.error_not_found"))


def _version(text: str) -> int | None:
    """The version a button carries (None when it has none: an older button)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


async def _shown_state(update: Update, ctx: Ctx, request: Request, version: int | None) -> bool:
    """Whether the button was shown for the request as it is now; else say why (finished,
    or changed since) and show the current card."""
    try:
        if request.status != "open":
            raise workflow.WorkflowError("finished")
        workflow.View(version=version).check(request)
    except workflow.WorkflowError as exc:
        await reply(update, t(f"ops.error_{exc.code}"))
        if update.effective_chat is not None:
            await _card(ctx, update.effective_chat.id, request)
        return False
    return True


@operator_only
async def choose(update: Update, ctx: Ctx) -> None:
    """Stage or document buttons of a request."""
    await answer_query(update)
    parts = _parts(update)
    request = await _load(update, ctx, parts[2])
    if request is None or not await _shown_state(update, ctx, request, _version(parts[3])):
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
IRREVERSIBLE = {"rej", "close"}  # asked «are you sure?» with the text before they run


@operator_only
async def start_action(update: Update, ctx: Ctx) -> int:
    """An action button: remember it and ask for its note, amount or reason."""
    await answer_query(update)
    parts = [*_parts(update), "", "", "", ""]
    action, code, version, arg = parts[2], parts[3], _version(parts[4]), parts[5]
    request = await ctx.store.request_row(code) if action in PROMPTS else None
    ctx.user_data.pop(DRAFT, None)  # a new action replaces any half-typed one
    if request is None or version is None:
        await fallback.unknown_button(update, ctx)
        return ConversationHandler.END
    if not await _shown_state(update, ctx, request, version):
        return ConversationHandler.END
    ctx.user_data[DRAFT] = {"action": action, "code": code, "arg": arg, "version": version}
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
async def sure(update: Update, ctx: Ctx) -> int:
    """The answer to «are you sure?» of a rejection or closing."""
    await answer_query(update)
    draft = ctx.user_data.get(DRAFT)
    if not draft or not draft.get("confirming"):
        await fallback.unknown_button(update, ctx)
        return ConversationHandler.END
    if _parts(update)[2] == "yes":
        return await _run(update, ctx, draft.get("text"), confirmed=True)
    ctx.user_data.pop(DRAFT, None)
    await reply(update, t("ops.not_done"))
    request = await ctx.store.request_row(draft["code"])
    if request is not None and update.effective_chat is not None:
        await _card(ctx, update.effective_chat.id, request)
    return ConversationHandler.END


async def _ask_sure(update: Update, ctx: Ctx, draft: dict, text: str | None) -> int:
    """Show what a rejection or closing will do and ask before doing it."""
    request = await ctx.store.request_row(draft["code"])
    if request is None:
        raise workflow.WorkflowError("not_found")
    if request.status != "open":
        raise workflow.WorkflowError("finished")
    workflow.View(version=draft.get("version")).check(request)  # no «sure?» on a stale view
    draft.update(text=text, confirming=True)
    code, service = format_code(request.code), process_title(request)
    if draft["action"] == "rej":
        prompt = t("ops.sure_reject", code=code, service=service, reason=text or "")
        yes = t("ops.button_sure_reject")
    else:
        note = t("ops.sure_note", note=text) if text else ""
        prompt, yes = t("ops.sure_close", code=code, service=service, note=note), t(
            "ops.button_sure_close")
    await reply(update, prompt, inline([[(yes, "op:sure:yes"), (t("ops.button_not_sure"),
                                                                 "op:sure:no")]]))
    return INPUT


@operator_only
async def not_text(update: Update, ctx: Ctx) -> int:
    """Anything but text while an action waits for its text."""
    await reply(update, t("ops.need_text"))
    return INPUT


async def _run(update: Update, ctx: Ctx, text: str | None, from_tariff: bool = False,
               confirmed: bool = False) -> int:
    draft = ctx.user_data.get(DRAFT)
    if not draft:
        await fallback.unknown_button(update, ctx)
        return ConversationHandler.END
    action, code, arg = draft["action"], draft["code"], draft["arg"]
    actor, view = _actor(update), workflow.View(version=draft.get("version"))
    try:
        if action in IRREVERSIBLE and not confirmed:
            if action == "rej":
                text = workflow.check_reason(text)
            return await _ask_sure(update, ctx, draft, text)
        if action == "inv":
            amount = None if from_tariff else workflow.parse_amount(text or "")
            outcome = await workflow.issue_invoice(ctx.store, code, amount, actor, view=view)
        elif text is None and action not in OPTIONAL:
            await reply(update, t("ops.need_text"))
            return INPUT
        elif action in {"next", "move"}:
            outcome = await workflow.move(ctx.store, code, arg or None, actor, text, view=view)
        elif action == "close":
            outcome = await workflow.close(ctx.store, code, actor, text, view=view)
        elif action == "doc":
            outcome = await workflow.ask_document(ctx.store, code, arg, actor, text, view=view)
        elif action == "rej":
            outcome = await workflow.reject(ctx.store, code, text or "", actor, view=view)
        else:
            outcome = await workflow.add_note(ctx.store, code, text or "", actor, view=view)
    except workflow.WorkflowError as exc:
        await reply(update, t(f"ops.error_{exc.code}"))
        if exc.code in {"not_found", "finished", "unknown_service", "unknown_stage",
                        "same_stage", "last_stage", "unknown_document", "stale"}:
            ctx.user_data.pop(DRAFT, None)
            request = await ctx.store.request_row(code)
            if exc.code == "stale" and request is not None and update.effective_chat:
                await _card(ctx, update.effective_chat.id, request)  # the state as it is now
            return ConversationHandler.END
        return INPUT
    ctx.user_data.pop(DRAFT, None)
    await reply(update, await views.done_text(ctx.store, outcome, arg))
    request = await ctx.store.request_row(code)
    if request is not None and update.effective_chat is not None:
        await _card(ctx, update.effective_chat.id, request)
    return ConversationHandler.END


@operator_only
async def stale(update: Update, ctx: Ctx) -> None:
    """Any other op: button (old or forged) of an operator."""
    await fallback.unknown_button(update, ctx)


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        CommandHandler("ops", ops_command),
        ConversationHandler(
            name=DRAFT,
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(start_action, pattern=r"^op:act:")],
            states={
                INPUT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed_input),
                    CallbackQueryHandler(skip_or_tariff, pattern=r"^op:(skip|tariff)$"),
                    CallbackQueryHandler(sure, pattern=r"^op:sure:(yes|no)$"),
                    MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   not_text),
                ],
            },
            fallbacks=[],
        ),
        CallbackQueryHandler(queue_page, pattern=r"^op:q:"),
        CallbackQueryHandler(filter_choice, pattern=r"^op:(fs|ft|fa):"),
        CallbackQueryHandler(open_request, pattern=rf"^op:open:{ID}$"),
        CallbackQueryHandler(choose, pattern=rf"^op:(stages|docs):{ID}:{ID}$"),
        CallbackQueryHandler(stale, pattern=r"^op:"),
    ]
