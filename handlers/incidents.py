"""Incident reports (🚨 گزارش حادثه): the emergency number at once, then type, location,
an optional photo and description, and a tracking code like a service request.

Incidents are short, so a report left half-way is not parked for later (unlike service
requests): the user starts again, and the emergency number was shown first anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.app import Ctx
from bot.identifiers import format_code
from bot.services import catalog
from bot.services.catalog import DocumentSpec
from bot.services.validation import InputError, check_upload
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import number
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from handlers.common import MAX_TEXT, answer_query, ensure_chat, message_text, reply
from handlers.request_steps import (
    cancel_keyboard,
    chat_and_user,
    location_keyboard,
    new_document,
    upload_error,
    upload_of,
)

NAME = "incident"
TYPE, LOCATION, PHOTO, DESCRIPTION = range(4)
PHOTO_SPEC = DocumentSpec(id="photo", title="photo", required=False, media=("photo",))


async def start(update: Update, ctx: Ctx) -> int:
    """Show the emergency number at once and the incident types."""
    await ensure_chat(update, ctx)
    ctx.user_data[NAME] = {}
    await reply(update, t("incident.intro", phone=ctx.settings.emergency_phone), _types())
    return TYPE


async def type_expected(update: Update, ctx: Ctx) -> int:
    """Anything but a type button while a type is expected: show the types again."""
    await reply(update, t("incident.type_expected"), _types())
    return TYPE


def _types() -> InlineKeyboardMarkup:
    return inline([[(kind.title, f"inc:type:{kind.id}")] for kind in catalog.incident_types()])


async def chose_type(update: Update, ctx: Ctx) -> int:
    """Keep the type; ask for the location."""
    await answer_query(update)
    data = update.callback_query.data if update.callback_query else ""
    try:
        kind = catalog.incident_type((data or "").rsplit(":", 1)[-1])
    except KeyError:
        return await type_expected(update, ctx)
    ctx.user_data[NAME] = {"type": kind.id, "draft_id": secrets.token_hex(8)}
    await reply(update, t("incident.ask_location", type=kind.title,
                          button=t("requests.button_location")), location_keyboard())
    return LOCATION


async def got_location(update: Update, ctx: Ctx) -> int:
    """Keep the location; ask for a photo."""
    location = update.effective_message.location if update.effective_message else None
    if location is None:
        await reply(update, t("incident.location_expected", button=t("requests.button_location")),
                    location_keyboard())
        return LOCATION
    ctx.user_data[NAME]["location"] = [location.latitude, location.longitude]
    await reply(update, t("incident.ask_photo"), cancel_keyboard(skip=True))
    return PHOTO


async def got_photo(update: Update, ctx: Ctx) -> int:
    """Keep the photo (or skip it); ask for a description."""
    if message_text(update) != t("common.button_skip"):
        upload = upload_of(update.effective_message)
        if upload is None:
            await reply(update, t("incident.photo_expected"), cancel_keyboard(skip=True))
            return PHOTO
        try:
            check_upload(PHOTO_SPEC, upload, ctx.settings.max_document_mb)
        except InputError as err:
            await reply(update, upload_error(err, PHOTO_SPEC, t("services.media_photo")))
            return PHOTO
        ctx.user_data[NAME]["photo"] = asdict(new_document("photo", upload))
    await reply(update, t("incident.ask_description"), cancel_keyboard(skip=True))
    return DESCRIPTION


async def got_description(update: Update, ctx: Ctx) -> int:
    """Keep the description (or skip it), store the report, show its code."""
    text = message_text(update).strip()
    if not text:
        await reply(update, t("incident.ask_description"), cancel_keyboard(skip=True))
        return DESCRIPTION
    if len(text) > MAX_TEXT:
        await reply(update, t("common.too_long", limit=MAX_TEXT))
        return DESCRIPTION
    draft = ctx.user_data[NAME]
    kind = catalog.incident_type(draft["type"])
    chat_id, user_id = chat_and_user(update)
    lat, lon = draft["location"]
    fields = {} if text == t("common.button_skip") else {"description": text}
    photo = (NewDocument(**draft["photo"]),) if draft.get("photo") else ()
    operators = ctx.settings.operators_chat
    request = await ctx.store.create_request(
        NewRequest(kind="incident", service=kind.id, chat_id=chat_id, user_id=user_id,
                   stage=kind.first_stage.id, fields=fields, latitude=lat, longitude=lon,
                   documents=photo, draft_id=draft.get("draft_id")),
        alert_chat=operators,
        alert_text=(lambda code: t("incident.operator_alert", type=kind.title,
                                   code=format_code(code), latitude=number(lat, 5),
                                   longitude=number(lon, 5))) if operators else None,
    )
    ctx.user_data.pop(NAME, None)
    await reply(update, t("incident.submitted", type=kind.title, code=format_code(request.code),
                          phone=ctx.settings.emergency_phone), main_menu())
    return ConversationHandler.END


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=[MessageHandler(button_filter("menu.incident"), start),
                          CommandHandler("incident", start)],
            states={
                TYPE: [CallbackQueryHandler(chose_type, pattern=r"^inc:type:[a-z_]+$"),
                       MessageHandler(filters.ALL & ~filters.COMMAND, type_expected)],
                LOCATION: [MessageHandler(filters.ALL & ~filters.COMMAND, got_location)],
                PHOTO: [MessageHandler(filters.ALL & ~filters.COMMAND, got_photo)],
                DESCRIPTION: [MessageHandler(filters.ALL & ~filters.COMMAND, got_description)],
            },
            fallbacks=[],
        ),
    ]
