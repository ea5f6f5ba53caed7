"""Rows of the requests, request_stages and documents tables as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class NewDocument:
    """A file to attach to a request (Telegram/Bale file ids, never the bytes)."""

    doc_type: str
    media: str  # "photo" or "document"
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class NewRequest:
    """What a chat submits: a service request or an incident report."""

    kind: str  # "service" or "incident"
    service: str  # service id or incident type
    chat_id: int
    user_id: int | None
    stage: str  # the first stage of the process
    subscriber_id: int | None = None
    applicant: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    city: str | None = None
    documents: tuple[NewDocument, ...] = ()
    draft_id: str | None = None  # submitting the same draft twice stores it once


@dataclass(frozen=True)
class Request:
    """A stored request with its tracking code, current stage and status."""

    id: int
    code: str
    kind: str
    service: str
    chat_id: int
    user_id: int | None
    subscriber_id: int | None
    applicant: dict[str, Any]
    fields: dict[str, Any]
    latitude: float | None
    longitude: float | None
    city: str | None
    stage: str
    status: str
    invoice_amount: int | None
    invoice_paid_at: dt.datetime | None
    pending_document: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    invoice_bill_id: str | None = None
    invoice_payment_id: str | None = None
    invoice_paid_ref: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    version: int = 0  # bumped by every change; operator buttons carry it (migration 008)

    @classmethod
    def from_row(cls, row: Any) -> Request:
        """Build from a database row."""
        return cls(
            row["id"], row["code"], row["kind"], row["service"], row["chat_id"], row["user_id"],
            row["subscriber_id"], json.loads(row["applicant_json"]), json.loads(row["fields_json"]),
            row["latitude"], row["longitude"], row["city"], row["stage"], row["status"],
            row["invoice_amount"], _moment(row["invoice_paid_at"]), row["pending_document"],
            dt.datetime.fromisoformat(row["created_at"]), dt.datetime.fromisoformat(row["updated_at"]),
            row["invoice_bill_id"], row["invoice_payment_id"], row["invoice_paid_ref"],
            row["rating"], row["rating_comment"], row["version"],
        )

    @property
    def invoice_due(self) -> bool:
        """An invoice was issued and is not paid yet."""
        return self.invoice_amount is not None and self.invoice_paid_at is None


@dataclass(frozen=True)
class StageEntry:
    """One row of a request's stage history."""

    id: int
    request_id: int
    stage: str
    note: str | None
    actor: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> StageEntry:
        """Build from a database row."""
        return cls(row["id"], row["request_id"], row["stage"], row["note"], row["actor"],
                   dt.datetime.fromisoformat(row["created_at"]))


@dataclass(frozen=True)
class RequestDocument:
    """A document attached to a request."""

    id: int
    request_id: int
    doc_type: str
    media: str
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> RequestDocument:
        """Build from a database row."""
        return cls(row["id"], row["request_id"], row["doc_type"], row["media"], row["file_id"],
                   row["file_unique_id"], row["file_name"], row["mime_type"], row["size"],
                   dt.datetime.fromisoformat(row["created_at"]))
