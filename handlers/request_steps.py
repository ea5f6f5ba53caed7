"""Conversation pieces shared by requests, missing documents and incidents.

Prompts for a field, a location and a document; reading a photo or file from a message;
turning validation error codes into Persian messages. No state of its own.
"""

from __future__ import annotations

from telegram import Message, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.runtime.app import Ctx
from bot.services.catalog import DocumentSpec, FieldSpec
from bot.services.validation import InputError, Upload, check_content, check_upload
from bot.store.request_models import NewDocument
from bot.text.i18n import t
from bot.text.keyboards import choices, location_request
from bot.text.normalise import clean_file_name


def cancel_keyboard(skip: bool = False) -> ReplyKeyboardMarkup:
    """A keyboard with only the cancel button (and skip for optional steps)."""
    labels = [t("common.button_skip")] if skip else []
    return choices(labels, columns=1)


def field_prompt(spec: FieldSpec) -> tuple[str, ReplyKeyboardMarkup]:
    """The question for a field and its keyboard (choices, skip, cancel)."""
    skip = not spec.required
    if spec.kind in {"choice", "city"}:
        labels = [o.label for o in spec.choices()] + ([t("common.button_skip")] if skip else [])
        text, markup = t("requests.ask_choice", label=spec.label), choices(labels)
    else:
        if spec.kind == "number":
            text = t("requests.ask_number", label=spec.label, min=spec.min or 0,
                     max=spec.max or 10**9)
        elif spec.kind == "mobile":
            text = t("requests.ask_mobile", label=spec.label)
        elif spec.kind == "phone":
            text = t("requests.ask_phone", label=spec.label)
        elif spec.kind == "national_id":
            text = t("requests.ask_national_id", label=spec.label)
        elif spec.kind == "name":
            text = t("requests.ask_name", label=spec.label)
        else:
            text = t("requests.ask_text", label=spec.label)
        markup = cancel_keyboard(skip)
    if skip:
        text += "\n" + t("requests.optional_hint")
    return text, markup


def field_error(err: InputError) -> str:
    """The Persian message for a refused answer."""
    if err.code == "not_a_number":
        return t("common.not_a_number")
    if err.code == "number_range":
        return t("requests.invalid_number_range", min=err.params["min"], max=err.params["max"])
    if err.code == "mobile":
        return t("requests.invalid_mobile")
    if err.code == "phone":
        return t("requests.invalid_phone")
    if err.code == "national_id":
        return t("requests.invalid_national_id")
    if err.code == "name":
        return t("requests.invalid_name")
    if err.code == "choice":
        return t("requests.invalid_choice")
    return t("requests.invalid_text_length", min=err.params["min"], max=err.params["max"])


def location_keyboard() -> ReplyKeyboardMarkup:
    """The keyboard whose button shares a map location."""
    return location_request(t("requests.button_location"))


def media_label(spec: DocumentSpec | None) -> str:
    """How the document may be sent: photo and/or PDF."""
    media = set(spec.media) if spec else {"photo", "pdf"}
    if media == {"photo"}:
        return t("services.media_photo")
    if media == {"pdf"}:
        return t("services.media_pdf")
    return t("services.media_photo_pdf")


def upload_of(message: Message | None) -> Upload | None:
    """The photo (largest size) or file of a message, or None if it has neither. A file's
    name is kept without control or bidi characters (what operators are shown)."""
    if message is None:
        return None
    if message.photo:
        best = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return Upload("photo", best.file_id, best.file_unique_id, size=best.file_size)
    if message.document:
        doc = message.document
        name = clean_file_name(doc.file_name) if doc.file_name else None
        return Upload("document", doc.file_id, doc.file_unique_id, name or None,
                      doc.mime_type, doc.file_size)
    return None


async def checked_upload(ctx: Ctx, spec: DocumentSpec | None, upload: Upload) -> Upload:
    """Accept a file only after looking at it: what the message declares (type, size),
    then the file itself, downloaded — its real size (a message may carry no size at
    all) and its magic bytes (a PDF is a PDF whatever its name says). InputError
    (`wrong_type`, `too_big`, or `unchecked` when it could not be fetched) otherwise;
    else the upload with its real size and type."""
    limit = ctx.settings.max_document_mb
    check_upload(spec, upload, limit)
    try:
        file = await ctx.bot.get_file(upload.file_id)
        if file.file_size is not None and file.file_size > limit * 1024 * 1024:
            raise InputError("too_big", limit=limit)
        content = bytes(await file.download_as_bytearray())
    except BadRequest as exc:  # the Bot API downloads files of up to 20 MB only
        too_big = "too big" in str(exc).lower()
        raise InputError("too_big" if too_big else "unchecked", limit=limit) from exc
    except (TimedOut, NetworkError) as exc:
        raise InputError("unchecked") from exc
    return check_content(spec, upload, content, limit)


def upload_error(err: InputError, spec: DocumentSpec | None, title: str) -> str:
    """The Persian message for a refused file."""
    if err.code == "too_big":
        return t("requests.too_big", limit=err.params["limit"], title=title)
    if err.code == "unchecked":
        return t("guard.file_unchecked", title=title)
    return t("requests.wrong_type", title=title, media=media_label(spec))


def new_document(doc_type: str, upload: Upload) -> NewDocument:
    """The store row of an accepted upload."""
    return NewDocument(doc_type, upload.media, upload.file_id, upload.file_unique_id,
                       upload.file_name, upload.mime_type, upload.size)


def chat_and_user(update: Update) -> tuple[int, int | None]:
    """The chat id and user id of an update."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    return chat.id, user.id if user else None
