"""Queries for the operators: the queue of open requests, one request's file, the audit trail.

Requests come back as `Request` rows (bot/store/request_models.py); stage history,
documents and audit rows as plain dicts of their columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.store.engine import Database
from bot.store.request_models import Request
from bot.text.fmt import now_utc


class OperationsQueries:
    """The operations store interface: the operators' queue and a request's file."""

    db: Database

    async def request_queue(
        self, *, service: str | None = None, stage: str | None = None,
        min_age_days: int | None = None, limit: int = 10, offset: int = 0,
    ) -> tuple[list[Request], int]:
        """Open requests and incidents, oldest first, filtered; and how many match in all."""
        clauses, params = ["status='open'"], []
        if service:
            clauses.append("service=?")
            params.append(service)
        if stage:
            clauses.append("stage=?")
            params.append(stage)
        if min_age_days:
            clauses.append("created_at<=?")
            params.append((now_utc() - dt.timedelta(days=min_age_days)).isoformat())
        where = " AND ".join(clauses)
        count = await self.db.fetchone(f"SELECT COUNT(*) FROM requests WHERE {where}", params)
        total = int(count[0]) if count else 0
        sql = f"SELECT * FROM requests WHERE {where} ORDER BY created_at, id LIMIT ? OFFSET ?"
        rows = await self.db.fetchall(sql, (*params, limit, offset))
        return [Request.from_row(r) for r in rows], total

    async def request_row(self, code: str) -> Request | None:
        """A request by tracking code."""
        row = await self.db.fetchone("SELECT * FROM requests WHERE code=?", (code,))
        return Request.from_row(row) if row else None

    async def request_rows(self, request_id: int, table: str) -> list[dict[str, Any]]:
        """The request's rows of `table` (request_stages, documents or audit), oldest first."""
        if table not in {"request_stages", "documents", "audit"}:
            raise ValueError(table)
        sql = f"SELECT * FROM {table} WHERE request_id=? ORDER BY id"
        return [dict(r) for r in await self.db.fetchall(sql, (request_id,))]

    async def overdue_requests(self, cutoffs: Mapping[str, dt.datetime],
                               limit: int = 500) -> list[Request]:
        """Open service requests registered before their service's cutoff (`cutoffs`: service
        id → moment) that are not waiting for the applicant (no document asked for, no
        unpaid invoice) and whose applicant was not told yet (no outbox row `late:<id>`)."""
        if not cutoffs:
            return []
        late = " OR ".join("(service=? AND created_at<?)" for _ in cutoffs)
        params: list[Any] = [v for item in cutoffs.items()
                             for v in (item[0], item[1].isoformat())]
        sql = ("SELECT * FROM requests r WHERE status='open' AND kind='service'"
               " AND pending_document IS NULL"
               " AND (invoice_amount IS NULL OR invoice_paid_at IS NOT NULL)"
               f" AND ({late}) AND NOT EXISTS (SELECT 1 FROM outbox o"
               " WHERE o.dedupe_key = 'late:' || CAST(r.id AS TEXT)) ORDER BY id LIMIT ?")
        return [Request.from_row(r) for r in await self.db.fetchall(sql, (*params, limit))]

    async def unalerted_requests(self, limit: int = 100) -> list[Request]:
        """Open requests the operators' group was not told about yet."""
        sql = ("SELECT * FROM requests r WHERE status='open' AND NOT EXISTS (SELECT 1 FROM"
               " outbox o WHERE o.dedupe_key = 'alert:' || CAST(r.id AS TEXT)) ORDER BY id LIMIT ?")
        return [Request.from_row(r) for r in await self.db.fetchall(sql, (limit,))]

    async def closed_requests(self) -> list[dict[str, Any]]:
        """Every closed request: kind, service, registered and closed moments, rating."""
        sql = ("SELECT r.kind, r.service, r.created_at, MAX(s.created_at) AS closed_at, r.rating"
               " FROM requests r JOIN request_stages s ON s.request_id = r.id AND"
               " s.stage = 'closed' WHERE r.status = 'closed'"
               " GROUP BY r.id, r.kind, r.service, r.created_at, r.rating ORDER BY r.id")
        return [dict(r) for r in await self.db.fetchall(sql)]
