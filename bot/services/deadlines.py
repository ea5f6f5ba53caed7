"""When a request should be done: its service's average duration (the catalog, from the
seeds) counted from the moment it was registered.

A service whose duration the seeds do not state has no expected date, and is never late.
A request waiting for the applicant (a document asked for, an invoice not paid) is not
late on the utility's side, so no late notice is sent while it waits.
"""

from __future__ import annotations

import datetime as dt

from bot.services.catalog import Process, Service, services
from bot.store.request_models import Request
from bot.text import fmt

SHOW_TIME_BELOW = 72  # hours: shorter durations show the hour as well as the day


def due_at(proc: Process | None, created_at: dt.datetime) -> dt.datetime | None:
    """The expected end of a request of this service registered at `created_at`."""
    if not isinstance(proc, Service) or proc.duration is None:
        return None
    return created_at + dt.timedelta(hours=proc.duration.hours)


def due_text(proc: Process | None, created_at: dt.datetime) -> str | None:
    """The expected end in Persian (day, and hour for short services), or None."""
    due = due_at(proc, created_at)
    if due is None or not isinstance(proc, Service) or proc.duration is None:
        return None
    if proc.duration.hours < SHOW_TIME_BELOW:
        return fmt.jalali_datetime(due)
    return fmt.jalali_long(due.astimezone(fmt.TEHRAN).date())


def is_late(request: Request, proc: Process | None, now: dt.datetime | None = None) -> bool:
    """An open request past its expected end."""
    due = due_at(proc, request.created_at)
    return request.status == "open" and due is not None and due < (now or fmt.now_utc())


def late_cutoffs(now: dt.datetime) -> dict[str, dt.datetime]:
    """For each service with a duration: requests registered before this moment are late."""
    return {svc.id: now - dt.timedelta(hours=svc.duration.hours)
            for svc in services() if svc.duration is not None}
