"""Service requests and incident reports: create with documents, track, cancel, add files.

Every change writes its stage-history row, an audit row and (when an operators' chat is
given) an operators' alert through the outbox, in ONE transaction with the change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.identifiers import new_code
from bot.store.core import insert_id
from bot.store.engine import Connection, Database
from bot.store.outbox import enqueue
from bot.store.request_models import NewDocument, NewRequest, Request, RequestDocument, StageEntry
from bot.text.fmt import now_utc

CODE_ATTEMPTS = 8
CANCELLED = "cancelled"
# What a unit of work may change on a request (see Unit.update_request).
UPDATABLE = frozenset({"stage", "status", "invoice_amount", "invoice_paid_at",
                       "invoice_paid_ref", "invoice_bill_id", "invoice_payment_id",
                       "pending_document"})


async def insert_document(conn: Connection, request_id: int, doc: NewDocument) -> int:
    """Attach a document to a request inside the caller's transaction; its id."""
    return await insert_id(
        conn, "INSERT INTO documents (request_id, doc_type, media, file_id, file_unique_id,"
        " file_name, mime_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (request_id, doc.doc_type, doc.media, doc.file_id, doc.file_unique_id, doc.file_name,
         doc.mime_type, doc.size, now_utc().isoformat()),
    )


async def insert_stage(conn: Connection, request_id: int, stage: str, note: str | None,
                       actor: str) -> int:
    """A row of the request's stage history; its id."""
    return await insert_id(
        conn, "INSERT INTO request_stages (request_id, stage, note, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (request_id, stage, note, actor, now_utc().isoformat()),
    )


async def insert_audit(conn: Connection, actor: str, action: str, details: Mapping[str, Any],
                       request_id: int | None = None) -> int:
    """A row of the audit trail (who did what, when, with which details); its id."""
    return await insert_id(
        conn, "INSERT INTO audit (actor, action, request_id, details, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (actor, action, request_id, json.dumps(dict(details), ensure_ascii=False),
         now_utc().isoformat()),
    )


async def locked_request(conn: Connection, column: str, value: Any) -> Request | None:
    """The request whose `column` (id or code) is `value`, locked until the transaction
    ends (two operators acting at once are served one after the other)."""
    if column not in {"id", "code"}:
        raise ValueError(column)
    row = await conn.fetchone(f"SELECT * FROM requests WHERE {column}=?{conn.for_update}",
                              (value,))
    return Request.from_row(row) if row else None


async def update_request(conn: Connection, request_id: int, columns: Mapping[str, Any],
                         version: int | None = None) -> bool:
    """Set some columns of a request, its updated_at, and bump its version (migration
    008); with `version`, only if the request is still at that version. Whether it changed."""
    unknown = set(columns) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    sets = "".join(f"{name}=?, " for name in columns)
    where, key = ("id=? AND version=?", (request_id, version)) if version is not None else (
        "id=?", (request_id,))
    changed = await conn.execute(
        f"UPDATE requests SET {sets}updated_at=?, version=version+1 WHERE {where}",
        (*columns.values(), now_utc().isoformat(), *key))
    return changed == 1


async def _history(conn: Connection, request_id: int, stage: str, note: str | None,
                   actor: str) -> None:
    await insert_stage(conn, request_id, stage, note, actor)
    await insert_audit(conn, actor, note or f"stage:{stage}", {"stage": stage}, request_id)


class RequestQueries:
    """Requests and incident reports (the RequestStore of bot/store/interface.py)."""

    db: Database

    async def create_request(
        self, new: NewRequest, *, alert_chat: int | None = None,
        alert_text: Callable[[str], str] | None = None,
    ) -> Request:
        """Store a request, its documents, its first stage row and the operators' alert.

        All in one transaction; the random tracking code is drawn again when it is taken.
        A request with the same `draft_id` already stored is returned as it is (nothing new
        is written): the user confirmed the same draft again, e.g. after a crash between
        the commit and the reply. The alert's dedupe key is `alert:<request id>` (what
        `unalerted_requests` of bot/store/operations.py looks for). `alert_text(code)`
        renders the operators' message. The request is returned (with its code) only
        after the commit.
        """
        actor = f"user:{new.user_id}" if new.user_id is not None else f"chat:{new.chat_id}"
        async with self.db.transaction() as conn:
            inserted = await self._insert_request(conn, new)
            if isinstance(inserted, Request):
                return inserted
            request_id, code = inserted
            for doc in new.documents:
                await insert_document(conn, request_id, doc)
            await _history(conn, request_id, new.stage, None, actor)
            if alert_chat is not None and alert_text is not None:
                await enqueue(conn, chat_id=alert_chat, kind="operator_alert",
                              text=alert_text(code), request_id=request_id,
                              dedupe_key=f"alert:{request_id}")
        found = await self.request(request_id)
        assert found is not None
        return found

    @staticmethod
    async def _insert_request(conn: Connection, new: NewRequest) -> tuple[int, str] | Request:
        """(id, code) of the new row, or the request already stored from the same draft."""
        now = now_utc().isoformat()
        for _ in range(CODE_ATTEMPTS):
            code = new_code()
            row = await conn.fetchone(
                "INSERT INTO requests (code, kind, service, chat_id, user_id, subscriber_id,"
                " applicant_json, fields_json, latitude, longitude, city, stage, draft_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (code, new.kind, new.service, new.chat_id, new.user_id, new.subscriber_id,
                 json.dumps(new.applicant, ensure_ascii=False),
                 json.dumps(new.fields, ensure_ascii=False), new.latitude, new.longitude,
                 new.city, new.stage, new.draft_id, now, now),
            )
            if row is not None:
                return int(row[0]), code
            if new.draft_id is not None:  # the same draft, stored before (or just now)
                stored = await conn.fetchone("SELECT * FROM requests WHERE draft_id=?",
                                             (new.draft_id,))
                if stored is not None:
                    return Request.from_row(stored)
            # else the code was taken: draw another
        raise RuntimeError("no free tracking code after several attempts")

    async def request(self, request_id: int) -> Request | None:
        """A request by id."""
        row = await self.db.fetchone("SELECT * FROM requests WHERE id=?", (request_id,))
        return Request.from_row(row) if row else None

    async def request_by_code(self, code: str) -> Request | None:
        """A request by its tracking code (11 ASCII digits)."""
        row = await self.db.fetchone("SELECT * FROM requests WHERE code=?", (code,))
        return Request.from_row(row) if row else None

    async def requests_for_chat(self, chat_id: int, limit: int = 20) -> list[Request]:
        """The chat's requests and incident reports, newest first."""
        sql = "SELECT * FROM requests WHERE chat_id=? ORDER BY created_at DESC, id DESC LIMIT ?"
        return [Request.from_row(r) for r in await self.db.fetchall(sql, (chat_id, limit))]

    async def request_stages(self, request_id: int) -> list[StageEntry]:
        """The stage history of a request, oldest first."""
        sql = "SELECT * FROM request_stages WHERE request_id=? ORDER BY id"
        return [StageEntry.from_row(r) for r in await self.db.fetchall(sql, (request_id,))]

    async def request_documents(self, request_id: int) -> list[RequestDocument]:
        """The documents of a request, in upload order."""
        sql = "SELECT * FROM documents WHERE request_id=? ORDER BY id"
        return [RequestDocument.from_row(r) for r in await self.db.fetchall(sql, (request_id,))]

    async def add_document(
        self, request_id: int, chat_id: int, doc: NewDocument, actor: str, *,
        alert_chat: int | None = None, alert_text: str | None = None,
    ) -> bool:
        """Attach a document (e.g. one an operator asked for) to an open request of this chat.

        Clears `pending_document` when it names this document type and adds a history
        row (current stage, note `document:<type>`). False if not the chat's open request.
        """
        async with self.db.transaction() as conn:
            request = await locked_request(conn, "id", request_id)
            if request is None or request.chat_id != chat_id or request.status != "open":
                return False
            await insert_document(conn, request_id, doc)
            asked = request.pending_document == doc.doc_type  # what the operator asked for
            await update_request(conn, request_id, {"pending_document": None} if asked else {})
            await _history(conn, request_id, request.stage, f"document:{doc.doc_type}", actor)
            if alert_chat is not None and alert_text is not None:
                await enqueue(conn, chat_id=alert_chat, kind="operator_alert", text=alert_text,
                              request_id=request_id)
        return True

    async def cancel_request(
        self, request_id: int, chat_id: int, first_stage: str, actor: str, *,
        alert_chat: int | None = None, alert_text: str | None = None,
    ) -> bool:
        """Cancel the chat's own request while it is open and still in its first stage.

        Records a history row with the reserved stage `cancelled`. False otherwise.
        """
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE requests SET status='cancelled', updated_at=?, version=version+1 WHERE id=?"
                " AND chat_id=?"
                " AND status='open' AND stage=?",
                (now_utc().isoformat(), request_id, chat_id, first_stage),
            )
            if changed == 0:
                return False
            await _history(conn, request_id, CANCELLED, "cancelled", actor)
            if alert_chat is not None and alert_text is not None:
                await enqueue(conn, chat_id=alert_chat, kind="operator_alert", text=alert_text,
                              request_id=request_id, dedupe_key=f"request:{request_id}:cancelled")
        return True

    async def rate_request(self, request_id: int, chat_id: int, stars: int) -> bool:
        """Store the applicant's 1-5 stars for a closed request, once; False when it is not
        this chat's closed request or was rated already."""
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE requests SET rating=?, rated_at=? WHERE id=? AND chat_id=? AND"
                " status='closed' AND rating IS NULL", (stars, now_utc().isoformat(),
                                                        request_id, chat_id))
        return changed > 0

    async def comment_rating(self, request_id: int, chat_id: int, comment: str) -> bool:
        """Store the optional comment of a rating given by this chat (once)."""
        async with self.db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE requests SET rating_comment=? WHERE id=? AND chat_id=? AND rating IS NOT"
                " NULL AND rating_comment IS NULL", (comment, request_id, chat_id))
        return changed > 0
