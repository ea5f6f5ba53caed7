"""Service requests and incident reports: create with documents, track, cancel, add files.

Every change writes its stage-history row, an audit row and (when an operators' chat is
given) an operators' alert through the outbox, in ONE transaction with the change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import aiosqlite

from bot.identifiers import new_code
from bot.store.db import Database, fetchone
from bot.store.outbox import enqueue
from bot.store.request_models import NewDocument, NewRequest, Request, RequestDocument, StageEntry
from bot.text.fmt import now_utc

CODE_ATTEMPTS = 8
CANCELLED = "cancelled"


async def _insert_document(conn: aiosqlite.Connection, request_id: int, doc: NewDocument,
                           now: str) -> None:
    await conn.execute(
        "INSERT INTO documents (request_id, doc_type, media, file_id, file_unique_id, file_name,"
        " mime_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (request_id, doc.doc_type, doc.media, doc.file_id, doc.file_unique_id, doc.file_name,
         doc.mime_type, doc.size, now),
    )


async def _history(conn: aiosqlite.Connection, request_id: int, stage: str, note: str | None,
                   actor: str, now: str) -> None:
    await conn.execute(
        "INSERT INTO request_stages (request_id, stage, note, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?)", (request_id, stage, note, actor, now),
    )
    await conn.execute(
        "INSERT INTO audit (actor, action, request_id, details, created_at) VALUES (?, ?, ?, ?, ?)",
        (actor, note or f"stage:{stage}", request_id, json.dumps({"stage": stage}), now),
    )


class RequestQueries:
    """SQLite implementation of RequestStore (bot/store/interface.py)."""

    db: Database

    async def create_request(
        self, new: NewRequest, *, alert_chat: int | None = None,
        alert_text: Callable[[str], str] | None = None,
    ) -> Request:
        """Store a request, its documents, its first stage row and the operators' alert.

        All in one transaction; the random tracking code is retried on a collision with
        the UNIQUE column. A request with the same `draft_id` already stored is returned
        as it is (nothing new is written): the user confirmed the same draft again, e.g.
        after a crash between the commit and the reply. The alert's dedupe key is `alert:<request id>` (what
        `unalerted_requests` of bot/store/operations.py looks for). `alert_text(code)` renders the operators' message. The request
        is returned (with its code) only after the commit.
        """
        now = now_utc().isoformat()
        actor = f"user:{new.user_id}" if new.user_id is not None else f"chat:{new.chat_id}"
        async with self.db.transaction() as conn:
            if new.draft_id is not None:
                stored = await fetchone(conn, "SELECT id FROM requests WHERE draft_id=?",
                                        (new.draft_id,))
                if stored is not None:
                    return await self._committed(int(stored[0]))
            request_id, code = await self._insert_request(conn, new, now)
            for doc in new.documents:
                await _insert_document(conn, request_id, doc, now)
            await _history(conn, request_id, new.stage, None, actor, now)
            if alert_chat is not None and alert_text is not None:
                await enqueue(conn, chat_id=alert_chat, kind="operator_alert",
                              text=alert_text(code), request_id=request_id,
                              dedupe_key=f"alert:{request_id}")
        return await self._committed(request_id)

    async def _committed(self, request_id: int) -> Request:
        found = await self.request(request_id)
        assert found is not None
        return found

    async def _insert_request(self, conn: aiosqlite.Connection, new: NewRequest,
                              now: str) -> tuple[int, str]:
        for _ in range(CODE_ATTEMPTS):
            code = new_code()
            try:
                cur = await conn.execute(
                    "INSERT INTO requests (code, kind, service, chat_id, user_id, subscriber_id,"
                    " applicant_json, fields_json, latitude, longitude, city, stage, draft_id,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (code, new.kind, new.service, new.chat_id, new.user_id, new.subscriber_id,
                     json.dumps(new.applicant, ensure_ascii=False),
                     json.dumps(new.fields, ensure_ascii=False), new.latitude, new.longitude,
                     new.city, new.stage, new.draft_id, now, now),
                )
            except sqlite3.IntegrityError as exc:
                if "requests.code" in str(exc):
                    continue
                raise
            return int(cur.lastrowid or 0), code
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
        now = now_utc().isoformat()
        async with self.db.transaction() as conn:
            row = await fetchone(
                conn, "SELECT stage FROM requests WHERE id=? AND chat_id=? AND status='open'",
                (request_id, chat_id))
            if row is None:
                return False
            await _insert_document(conn, request_id, doc, now)
            await conn.execute(
                "UPDATE requests SET pending_document = CASE WHEN pending_document=? THEN NULL"
                " ELSE pending_document END, updated_at=?, version=version+1 WHERE id=?",
                (doc.doc_type, now, request_id),
            )
            await _history(conn, request_id, row["stage"], f"document:{doc.doc_type}", actor, now)
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
        now = now_utc().isoformat()
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE requests SET status='cancelled', updated_at=? WHERE id=? AND chat_id=?"
                " AND status='open' AND stage=?", (now, request_id, chat_id, first_stage),
            )
            if cur.rowcount == 0:
                return False
            await _history(conn, request_id, CANCELLED, "cancelled", actor, now)
            if alert_chat is not None and alert_text is not None:
                await enqueue(conn, chat_id=alert_chat, kind="operator_alert", text=alert_text,
                              request_id=request_id, dedupe_key=f"request:{request_id}:cancelled")
        return True

    async def rate_request(self, request_id: int, chat_id: int, stars: int) -> bool:
        """Store the applicant's 1-5 stars for a closed request, once; False when it is not
        this chat's closed request or was rated already."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE requests SET rating=?, rated_at=? WHERE id=? AND chat_id=? AND"
                " status='closed' AND rating IS NULL", (stars, now_utc().isoformat(),
                                                        request_id, chat_id))
        return cur.rowcount > 0

    async def comment_rating(self, request_id: int, chat_id: int, comment: str) -> bool:
        """Store the optional comment of a rating given by this chat (once)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE requests SET rating_comment=? WHERE id=? AND chat_id=? AND rating IS NOT"
                " NULL AND rating_comment IS NULL", (comment, request_id, chat_id))
        return cur.rowcount > 0
