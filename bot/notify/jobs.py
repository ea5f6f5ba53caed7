"""Background work of the running bot: the outbox notifier, operator alerts, payment
reminders and the notices of requests past their expected date.

`schedule_jobs(app, deps)` registers everything on the Application's JobQueue; the jobs
run only while the application runs (polling or webhook), never in tests or the CLI,
which call the plain functions below instead. The jobs get what they need (`JobDeps`)
as their job data, so this module does not import `bot.runtime.app`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import Application, CallbackContext

from bot.notify import notices
from bot.notify.notifier import Notifier
from bot.runtime.settings import Settings
from bot.services import workflow
from bot.store.interface import Store
from bot.text.fmt import TEHRAN, now_utc, tehran_today

log = logging.getLogger(__name__)

REMINDER_TIME = dt.time(9, 0, tzinfo=TEHRAN)
CATCH_UP = "payment-reminders-catch-up"
ALERT_EVERY = 30.0  # seconds between looks for requests the operators' group has not seen
LATE_EVERY = 3600.0  # seconds between looks for requests past their expected date


@dataclass(frozen=True)
class JobDeps:
    """What the jobs need of the running bot: its store, settings and delivery limits."""

    store: Store
    settings: Settings
    messages_per_second: float
    messages_per_chat_second: float


def notifier_for(app: Application, deps: JobDeps) -> Notifier:
    """The notifier of a running application, at its platform's limits; it stops with the app."""
    return Notifier(app.bot, deps.store, per_second=deps.messages_per_second,
                    per_chat_second=deps.messages_per_chat_second,
                    stopping=lambda: not app.running)


async def run_reminders(store: Store, settings: Settings, today: dt.date | None = None) -> int:
    """Queue the payment reminders due today (once per bill and chat); how many were queued."""
    day = today or tehran_today()
    return await notices.enqueue_due_reminders(store, day, settings.reminder_days)


def _deps(ctx: CallbackContext) -> JobDeps:
    assert ctx.job is not None and isinstance(ctx.job.data, JobDeps)
    return ctx.job.data


async def _start_notifier(ctx: CallbackContext) -> None:
    app = ctx.application
    app.create_task(notifier_for(app, _deps(ctx)).run_forever(), name="outbox-notifier")


async def once_per_slot(store: Store, name: str, slot: str,
                        run: Callable[[], Awaitable[int]]) -> int | None:
    """Run a scheduled job unless its run for this slot (a day, an hour) finished already
    — here or in an earlier leader — and record the run when it finished; None: skipped.
    (A run cut short is run again by the next leader: each job only queues what is not
    queued yet, bot/notify/notices.py.)"""
    if await store.job_ran(name, slot):
        log.info("%s: the run of %s was done already", name, slot)
        return None
    done = await run()
    await store.record_job_run(name, slot)
    return done


async def _reminders(ctx: CallbackContext) -> None:
    deps = _deps(ctx)
    now = now_utc().astimezone(TEHRAN)
    early = now.time() < REMINDER_TIME.replace(tzinfo=None)
    if ctx.job is not None and ctx.job.name == CATCH_UP and early:
        return  # today's run is still to come (and a run records its day: one per day)
    day = now.date()
    queued = await once_per_slot(deps.store, "payment-reminders", day.isoformat(),
                                 lambda: run_reminders(deps.store, deps.settings, day))
    if queued is not None:
        log.info("payment reminders queued: %d", queued)


async def _late(ctx: CallbackContext) -> None:
    store = _deps(ctx).store
    hour = now_utc().strftime("%Y-%m-%dT%H")
    queued = await once_per_slot(store, "late-requests", hour,
                                 lambda: workflow.notify_late(store))
    if queued is not None:
        log.info("late-request notices queued: %d", queued)


async def _alerts(ctx: CallbackContext) -> None:
    deps = _deps(ctx)
    await workflow.alert_operators(deps.store, deps.settings.operators_chat)


def schedule_jobs(app: Application, deps: JobDeps) -> None:
    """Register the notifier (a background task from start to stop), the daily payment
    reminders (09:00 Tehran, and once soon after start to catch up), the hourly look for
    requests past their expected date and the operators' new-request alerts."""
    jobs = app.job_queue
    if jobs is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): no notifications")
        return
    # Scheduled when the application is built; a standby starts it only once it leads,
    # maybe minutes later: the first runs then happen at once rather than being dropped
    # as missed (APScheduler's default grace is one second).
    late_ok = {"misfire_grace_time": None}
    jobs.run_once(_start_notifier, when=0, data=deps, name="outbox-notifier", job_kwargs=late_ok)
    jobs.run_daily(_reminders, time=REMINDER_TIME, data=deps, name="payment-reminders")
    jobs.run_once(_reminders, when=30, data=deps, name=CATCH_UP, job_kwargs=late_ok)
    jobs.run_repeating(_late, interval=LATE_EVERY, first=60, data=deps, name="late-requests",
                       job_kwargs=late_ok)
    if deps.settings.operators_chat is not None:
        jobs.run_repeating(_alerts, interval=ALERT_EVERY, first=5, data=deps,
                           name="operator-alerts", job_kwargs=late_ok)
