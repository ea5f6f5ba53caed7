"""Incident reports (🚨 گزارش حادثه): the emergency number at once, then type, place, an
optional photo and description, an optional callback phone, and a tracking code like a
service request.

The place is asked as a map location first; someone without GPS (or on a desktop client)
types the address instead. A photo's caption is the description (it is not asked again).
The callback phone is typed (mobile or landline) or shared with the contact button.

Incidents are short, so a report left half-way is not parked for later (unlike service
requests): the user starts again, and the emergency number was shown first anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
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
from bot.services.catalog import DocumentSpec
from bot.services.validation import InputError
from bot.store.request_models import NewDocument, NewRequest
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from bot.text.personal import normalize_phone
from handlers.common import MAX_TEXT, answer_query, ensure_chat, message_text, reply
from handlers.request_steps import (
    cancel_keyboard,
    chat_and_user,
    checked_upload,
    location_keyboard,
    new_document,
    upload_error,
    upload_of,
)

NAME = "incident"
TYPE, LOCATION, PHOTO, DESCRIPTION, PHONE = range(5)
DRAFT_STATES = (LOCATION, PHOTO, DESCRIPTION, PHONE)  # handlers/recovery.py
PHOTO_SPEC = DocumentSpec(id="photo", title="photo", required=False, media=("photo",))
MIN_ADDRESS = 10  # characters of a typed address: a street and a number at least


async def start(update: Update, ctx: Ctx) -> int:
    """Show the emergency number at once and the incident types."""
    await answer_query(update)
    await ensure_chat(update, ctx)
    ctx.user_data[NAME] = {}
    await reply(update, t("incident.intro", phone=ctx.settings.emergency_phone), _types())
    return TYPE


restart = start  # a step whose draft was lost starts the report again


async def type_expected(update: Update, ctx: Ctx) -> int:
    """Anything but a type button while a type is expected: show the types again."""
    await reply(update, t("incident.type_expected"), _types())
    return TYPE


def _types() -> InlineKeyboardMarkup:
    return inline([[(kind.title, f"inc:type:{kind.id}")] for kind in catalog.incident_types()])


async def chose_type(update: Update, ctx: Ctx) -> int:
    """Keep the type; ask for the location (or a typed address)."""
    await answer_query(update)
    data = update.callback_query.data if update.callback_query else ""
    try:
        kind = catalog.incident_type((data or "").rsplit(":", 1)[-1])
    except KeyError:
        return await type_expected(update, ctx)
    return await _ask_location(update, ctx, kind.id)


async def start_with(update: Update, ctx: Ctx, kind_id: str) -> int:
    """A typed report («لوله جلوی خونه ترکیده»: handlers/understanding.py): the emergency
    number first, then straight to the location of that incident type."""
    await ensure_chat(update, ctx)
    await reply(update, t("incident.emergency_first", phone=ctx.settings.emergency_phone))
    return await _ask_location(update, ctx, catalog.incident_type(kind_id).id)


async def _ask_location(update: Update, ctx: Ctx, kind_id: str) -> int:
    kind = catalog.incident_type(kind_id)
    ctx.user_data[NAME] = {"type": kind.id, "draft_id": secrets.token_hex(8)}
    await reply(update, t("incident.ask_location", type=kind.title,
                          button=t("requests.button_location")), location_keyboard())
    return LOCATION


async def got_location(update: Update, ctx: Ctx) -> int:
    """Keep the shared location, or a typed address when there is no GPS; ask for a photo."""
    message = update.effective_message
    location = message.location if message else None
    text = " ".join(message_text(update).split())
    draft = ctx.user_data[NAME]
    if location is not None:
        draft["location"] = [location.latitude, location.longitude]
    elif MIN_ADDRESS <= len(text) <= MAX_TEXT:
        draft["address"] = text
    else:
        button = t("requests.button_location")
        await reply(update, t("incident.address_too_short", button=button, min=MIN_ADDRESS)
                    if text else t("incident.location_expected", button=button),
                    location_keyboard())
        return LOCATION
    await reply(update, t("incident.ask_photo"), cancel_keyboard(skip=True))
    return PHOTO


async def got_photo(update: Update, ctx: Ctx) -> int:
    """Keep the photo (or skip it); its caption is the description, else ask for one."""
    draft = ctx.user_data[NAME]
    if message_text(update) != t("common.button_skip"):
        upload = upload_of(update.effective_message)
        if upload is None:
            await reply(update, t("incident.photo_expected"), cancel_keyboard(skip=True))
            return PHOTO
        try:
            upload = await checked_upload(ctx, PHOTO_SPEC, upload)
        except InputError as err:
            await reply(update, upload_error(err, PHOTO_SPEC, t("services.media_photo")))
            return PHOTO
        draft["photo"] = asdict(new_document("photo", upload))
        message = update.effective_message
        caption = " ".join(((message.caption if message else None) or "").split())
        if caption:
            draft["description"] = caption[:MAX_TEXT]
            return await _ask_phone(update)
    await reply(update, t("incident.ask_description"), cancel_keyboard(skip=True))
    return DESCRIPTION


async def got_description(update: Update, ctx: Ctx) -> int:
    """Keep the description (or skip it); ask for a callback phone."""
    text = message_text(update).strip()
    if not text:
        await reply(update, t("incident.ask_description"), cancel_keyboard(skip=True))
        return DESCRIPTION
    if len(text) > MAX_TEXT:
        await reply(update, t("common.too_long", limit=MAX_TEXT))
        return DESCRIPTION
    if text != t("common.button_skip"):
        ctx.user_data[NAME]["description"] = text
    return await _ask_phone(update)


async def _ask_phone(update: Update) -> int:
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(t("incident.button_my_phone"), request_contact=True)],
         [t("common.button_skip")], [t("common.button_cancel")]],
        resize_keyboard=True, one_time_keyboard=True)
    await reply(update, t("incident.ask_phone"), markup)
    return PHONE


async def got_phone(update: Update, ctx: Ctx) -> int:
    """A typed mobile or landline, the shared contact, or skip; then store the report."""
    message = update.effective_message
    contact = message.contact if message else None
    text = contact.phone_number if contact else message_text(update)
    if text != t("common.button_skip"):
        phone = normalize_phone(text)
        if phone is None:
            await reply(update, t("requests.invalid_phone"))
            return await _ask_phone(update)
        ctx.user_data[NAME]["callback_phone"] = phone
    return await _submit(update, ctx)


async def _submit(update: Update, ctx: Ctx) -> int:
    """Store the report with its photo, show its code."""
    draft = ctx.user_data[NAME]
    kind = catalog.incident_type(draft["type"])
    chat_id, user_id = chat_and_user(update)
    lat, lon = draft.get("location") or (None, None)
    fields = {key: draft[key] for key in ("address", "description", "callback_phone")
              if draft.get(key)}
    photo = (NewDocument(**draft["photo"]),) if draft.get("photo") else ()
    operators = ctx.settings.operators_chat
    request = await ctx.store.create_request(
        NewRequest(kind="incident", service=kind.id, chat_id=chat_id, user_id=user_id,
                   stage=kind.first_stage.id, fields=fields, latitude=lat, longitude=lon,
                   documents=photo, draft_id=draft.get("draft_id")),
        alert_chat=operators,
        alert_text=(lambda code: t("incident.operator_alert", type=kind.title,
                                   code=format_code(code))) if operators else None,
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
                PHONE: [MessageHandler(filters.ALL & ~filters.COMMAND, got_phone)],
            },
            fallbacks=[],
        ),
    ]
