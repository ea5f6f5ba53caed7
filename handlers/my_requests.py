"""My requests: the list with stages, details, cancelling, and sending a document an
operator asked for. Every button re-checks that the request belongs to this chat."""

from __future__ import annotations

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
from bot.services import catalog
from bot.services.catalog import DocumentSpec, Service
from bot.services.validation import InputError
from bot.store.request_models import Request
from bot.text.i18n import t
from bot.text.keyboards import inline, main_menu
from handlers.common import ID, answer_query, reply, show
from handlers.request_steps import (
    cancel_keyboard,
    chat_and_user,
    checked_upload,
    media_label,
    new_document,
    upload_error,
    upload_of,
)
from handlers.request_view import (
    cancellable,
    document_title,
    owner_view,
    process_title,
    stage_title,
    status_label,
)

NAME = "request_document"
FILE = 0
DRAFT_STATES = (FILE,)  # handlers/recovery.py: a lost draft ends at the main menu


async def list_requests(update: Update, ctx: Ctx) -> None:
    """The chat's requests and incident reports, newest first, each a button."""
    await answer_query(update)
    chat_id, _ = chat_and_user(update)
    requests = await ctx.store.requests_for_chat(chat_id)
    if not requests:
        await show(update, ctx, t("requests.none"), None)
        return
    lines = [t("requests.list_title")]
    rows = []
    for request in requests:
        proc = catalog.process(request.kind, request.service)
        code, title = format_code(request.code), process_title(request)
        lines.append(t("requests.list_line", code=code, service=title,
                       stage=stage_title(proc, request.stage), status=status_label(request.status)))
        rows.append([(t("requests.button_show", code=code, service=title),
                      f"req:show:{request.id}")])
    await show(update, ctx, "\n".join(lines), inline(rows))


async def show_request(update: Update, ctx: Ctx) -> None:
    """One of the chat's requests in full."""
    await answer_query(update)
    request = await _own_request(update, ctx)
    if request is not None:
        text, markup = await owner_view(ctx, request)
        await show(update, ctx, text, markup)


async def ask_cancel(update: Update, ctx: Ctx) -> None:
    """Ask before cancelling a request that is still in its first stage."""
    await answer_query(update)
    request = await _own_request(update, ctx)
    if request is None:
        return
    if not cancellable(request):
        await reply(update, t("requests.cannot_cancel"))
        return
    markup = inline([[(t("requests.button_cancel_yes"), f"req:cancel_yes:{request.id}")],
                     [(t("requests.button_cancel_no"), f"req:show:{request.id}")]])
    await show(update, ctx, t("requests.cancel_confirm", code=format_code(request.code),
                              service=process_title(request)), markup)


async def cancel_request(update: Update, ctx: Ctx) -> None:
    """Cancel the request (only the owner, only in the first stage)."""
    await answer_query(update)
    request = await _own_request(update, ctx)
    if request is None:
        return
    proc = catalog.process(request.kind, request.service)
    chat_id, user_id = chat_and_user(update)
    operators = ctx.settings.operators_chat
    done = proc is not None and await ctx.store.cancel_request(
        request.id, chat_id, proc.first_stage.id, f"user:{user_id}", alert_chat=operators,
        alert_text=t("requests.operator_cancelled", code=format_code(request.code),
                     service=process_title(request)) if operators else None,
    )
    if not done:
        await reply(update, t("requests.cannot_cancel"))
        return
    await show(update, ctx, t("requests.cancelled", code=format_code(request.code)), None)


async def ask_document(update: Update, ctx: Ctx) -> int:
    """Ask for the document an operator requested for this request."""
    await answer_query(update)
    ctx.user_data.pop(NAME, None)  # a new press replaces a wait for another document
    request = await _own_request(update, ctx)
    if request is None:
        return ConversationHandler.END
    if request.status != "open" or not request.pending_document:
        await reply(update, t("requests.no_document_pending"))
        return ConversationHandler.END
    ctx.user_data[NAME] = {"request_id": request.id}
    spec = _spec(request)
    await reply(update, t("requests.ask_missing_document", code=format_code(request.code),
                          title=document_title(request, request.pending_document),
                          media=media_label(spec), limit=ctx.settings.max_document_mb),
                cancel_keyboard())
    return FILE


async def got_document(update: Update, ctx: Ctx) -> int:
    """Store the requested document; a wrong type, size or a text: say so, ask again."""
    request = await ctx.store.request(ctx.user_data[NAME]["request_id"])
    chat_id, user_id = chat_and_user(update)
    if request is None or request.chat_id != chat_id or not request.pending_document:
        ctx.user_data.pop(NAME, None)
        await reply(update, t("requests.no_document_pending"), main_menu())
        return ConversationHandler.END
    spec, title = _spec(request), document_title(request, request.pending_document)
    upload = upload_of(update.effective_message)
    if upload is None:
        await reply(update, t("requests.file_expected", title=title))
        return FILE
    try:
        upload = await checked_upload(ctx, spec, upload)
    except InputError as err:
        await reply(update, upload_error(err, spec, title))
        return FILE
    operators = ctx.settings.operators_chat
    code = format_code(request.code)
    await ctx.store.add_document(
        request.id, chat_id, new_document(request.pending_document, upload), f"user:{user_id}",
        alert_chat=operators,
        alert_text=t("requests.operator_document", title=title, code=code) if operators else None,
    )
    ctx.user_data.pop(NAME, None)
    await reply(update, t("requests.document_added", title=title, code=code), main_menu())
    return ConversationHandler.END


def _spec(request: Request) -> DocumentSpec | None:
    """The catalog's spec of the requested document (None: photo or PDF accepted)."""
    proc = catalog.process(request.kind, request.service)
    return proc.document(request.pending_document or "") if isinstance(proc, Service) else None


async def _own_request(update: Update, ctx: Ctx) -> Request | None:
    """The request named by the button, if this chat owns it; else say so."""
    data = update.callback_query.data if update.callback_query else ""
    chat_id, _ = chat_and_user(update)
    request = await ctx.store.request(int((data or "0").rsplit(":", 1)[-1]))
    if request is None or request.chat_id != chat_id:
        await reply(update, t("requests.not_yours"), main_menu())
        return None
    return request


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        CommandHandler("requests", list_requests),
        CallbackQueryHandler(list_requests, pattern=r"^req:list$"),
        CallbackQueryHandler(show_request, pattern=rf"^req:show:{ID}$"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^req:cancel:{ID}$"),
        CallbackQueryHandler(cancel_request, pattern=rf"^req:cancel_yes:{ID}$"),
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=[CallbackQueryHandler(ask_document, pattern=rf"^req:doc:{ID}$")],
            states={FILE: [MessageHandler(filters.ALL & ~filters.COMMAND, got_document)]},
            fallbacks=[],
        ),
    ]
