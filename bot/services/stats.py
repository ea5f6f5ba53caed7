"""How long requests take and how satisfied applicants are, per service.

For the closed requests of each service (or incident type): how many, the median and the
90th percentile of the time from registration to closing, against the average duration the
catalog gives from the seeds (`duration.hours`, None when the seed gives none), and the
average of the 1-5 star ratings (handlers/ratings.py) with how many there are.

The 90th percentile is the nearest-rank one: the smallest time that at least 90 % of the
requests did not exceed (with one request it is that request's time).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.services.catalog import Service, process

HOUR = Decimal(3600)


@dataclass(frozen=True)
class ServiceStats:
    """The figures of one service."""

    kind: str
    service: str
    title: str
    closed: int
    median_hours: Decimal
    p90_hours: Decimal
    catalog_hours: int | None
    average_rating: Decimal | None
    ratings: int

    @property
    def over_catalog(self) -> bool | None:
        """Whether the median time is longer than the catalog's average (None: unknown)."""
        return None if self.catalog_hours is None else self.median_hours > self.catalog_hours


def nearest_rank(values: list[float], percent: int) -> float:
    """The nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def _hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / HOUR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def service_stats(rows: Iterable[Mapping[str, Any]]) -> list[ServiceStats]:
    """Figures per service from closed requests (kind, service, created_at, closed_at,
    rating), in catalog order of first appearance."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["kind"], row["service"]), []).append(row)
    out = []
    for (kind, service_id), items in groups.items():
        seconds = [(dt.datetime.fromisoformat(r["closed_at"])
                    - dt.datetime.fromisoformat(r["created_at"])).total_seconds() for r in items]
        ratings = [int(r["rating"]) for r in items if r["rating"] is not None]
        proc = process(kind, service_id)
        out.append(ServiceStats(
            kind, service_id, proc.title if proc else service_id, len(items),
            _hours(statistics.median(seconds)), _hours(nearest_rank(seconds, 90)),
            proc.duration.hours if isinstance(proc, Service) else None,
            (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if ratings else None, len(ratings)))
    return out
