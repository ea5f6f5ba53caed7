"""Checks of what an applicant types or uploads, as pure functions with error codes.

`answer(field, text)` returns the stored value (normalised) or raises `InputError`;
`check_upload(...)` accepts or refuses a file by what the message says of it, and
`check_content(...)` by the file itself once downloaded (real size, magic bytes). Handlers turn each error code into a
Persian message (handlers/request_steps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.services.catalog import DocumentSpec, FieldSpec
from bot.text.normalise import normalize_text, parse_int
from bot.text.personal import (
    normalize_mobile,
    normalize_name,
    normalize_national_id,
    normalize_phone,
)


class InputError(ValueError):
    """An answer or upload is refused; `code` says why, `params` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def answer(spec: FieldSpec, text: str) -> str:
    """The value to store for this answer; InputError when it is not acceptable.

    Codes: text_length (min, max), not_a_number, number_range (min, max), mobile, phone,
    national_id, name, choice.
    """
    clean = normalize_text(text or "")
    if spec.kind == "number":
        value = parse_int(clean)
        if value is None:
            raise InputError("not_a_number")
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            raise InputError("number_range", min=spec.min or 0, max=spec.max or value)
        return str(value)
    if spec.kind == "mobile":
        mobile = normalize_mobile(clean)
        if mobile is None:
            raise InputError("mobile")
        return mobile
    if spec.kind == "phone":
        phone = normalize_phone(clean)
        if phone is None:
            raise InputError("phone")
        return phone
    if spec.kind == "name":
        name = normalize_name(clean)
        if name is None:
            raise InputError("name")
        low, high = spec.min or 3, spec.max or 60
        if not low <= len(name) <= high:
            raise InputError("text_length", min=low, max=high)
        return name
    if spec.kind == "national_id":
        national_id = normalize_national_id(clean)
        if national_id is None:
            raise InputError("national_id")
        return national_id
    if spec.kind in {"choice", "city"}:
        for option in spec.choices():
            if clean in {normalize_text(option.label), option.id}:
                return option.id
        raise InputError("choice")
    low, high = spec.min or 1, spec.max or 500
    if not low <= len(clean) <= high:
        raise InputError("text_length", min=low, max=high)
    return clean


def shown(spec: FieldSpec, value: str) -> str:
    """A stored answer as the user should see it (a choice's label)."""
    for option in spec.choices() if spec.kind in {"choice", "city"} else ():
        if option.id == value:
            return option.label
    return value


@dataclass(frozen=True)
class Upload:
    """A file a user sent: a photo (largest size) or a document."""

    media: str  # "photo" or "document"
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


# The first bytes of each file type a document may be (what the file is, whatever its
# name or declared MIME type say).
MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff",
         "image/png": b"\x89PNG\r\n\x1a\n"}
ACCEPTED_WITHOUT_SPEC = ("image/jpeg", "image/png", "application/pdf")


def content_type(content: bytes) -> str | None:
    """The accepted type the content really is (by its magic bytes), or None."""
    return next((mime for mime, magic in MAGIC.items() if content.startswith(magic)), None)


def check_content(spec: DocumentSpec | None, upload: Upload, content: bytes,
                  max_mb: int) -> Upload:
    """Check the downloaded file itself: its real size (too_big) and that its content is a
    type the document accepts (wrong_type: an `.exe` named and declared as a PDF is not
    one). Returns the upload with the real size and type."""
    if len(content) > max_mb * 1024 * 1024:
        raise InputError("too_big", limit=max_mb)
    real = content_type(content)
    if real is None or real not in (spec.mime_types if spec else ACCEPTED_WITHOUT_SPEC):
        raise InputError("wrong_type")
    return replace(upload, size=len(content),
                   mime_type=real if upload.media == "document" else upload.mime_type)


def check_upload(spec: DocumentSpec | None, upload: Upload, max_mb: int) -> None:
    """Refuse a file of the wrong type (code wrong_type) or over the limit (too_big, limit).

    A photo counts as image/jpeg. Without a spec (a document an operator asked for that
    the catalog does not name) photos and PDFs are accepted.
    """
    accepted = spec.mime_types if spec else ACCEPTED_WITHOUT_SPEC
    mime = "image/jpeg" if upload.media == "photo" else (upload.mime_type or "")
    if mime not in accepted:
        raise InputError("wrong_type")
    if upload.size is not None and upload.size > max_mb * 1024 * 1024:
        raise InputError("too_big", limit=max_mb)
