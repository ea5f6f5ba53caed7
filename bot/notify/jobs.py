"""Background work of the running bot: the outbox notifier, operator alerts, payment reminders.

`schedule_jobs(app)` registers everything on the Application's JobQueue; the jobs run
only while the application runs (polling or webhook), never in tests or the CLI, which
call the plain functions below instead.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import CallbackContext

from bot import notices, workflow
from bot.app import AbfaApplication
from bot.fmt import TEHRAN, now_utc
from bot.notifier import Notifier
from bot.settings import Settings
from bot.store.interface import Store

log = logging.getLogger(__name__)

REMINDER_TIME = dt.time(9, 0, tzinfo=TEHRAN)
ALERT_EVERY = 30.0  # seconds between looks for requests the operators' group has not seen


def notifier_for(app: AbfaApplication) -> Notifier:
    """The notifier of a running application, at its platform's limits; it stops with the app."""
    return Notifier(app.bot, app.store, per_second=app.profile.messages_per_second,
                    per_chat_second=app.profile.messages_per_chat_second,
                    stopping=lambda: not app.running)


async def run_reminders(store: Store, settings: Settings, today: dt.date | None = None) -> int:
    """Queue the payment reminders due today (once per bill and chat); how many were queued."""
    day = today or now_utc().astimezone(TEHRAN).date()
    async with store.transaction() as conn:
        return await notices.enqueue_due_reminders(conn, day, settings.reminder_days)


async def _start_notifier(ctx: CallbackContext) -> None:
    app = ctx.application
    assert isinstance(app, AbfaApplication)
    app.create_task(notifier_for(app).run_forever(), name="outbox-notifier")


async def _reminders(ctx: CallbackContext) -> None:
    app = ctx.application
    assert isinstance(app, AbfaApplication)
    queued = await run_reminders(app.store, app.settings)
    log.info("payment reminders queued: %d", queued)


async def _alerts(ctx: CallbackContext) -> None:
    app = ctx.application
    assert isinstance(app, AbfaApplication)
    await workflow.alert_operators(app.store, app.settings.operators_chat)


def schedule_jobs(app: AbfaApplication) -> None:
    """Register the notifier (a background task from start to stop), the daily payment
    reminders (09:00 Tehran, and once soon after start to catch up) and the operators'
    new-request alerts."""
    jobs = app.job_queue
    if jobs is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): no notifications")
        return
    jobs.run_once(_start_notifier, when=0, name="outbox-notifier")
    jobs.run_daily(_reminders, time=REMINDER_TIME, name="payment-reminders")
    jobs.run_once(_reminders, when=30, name="payment-reminders-catch-up")
    if app.settings.operators_chat is not None:
        jobs.run_repeating(_alerts, interval=ALERT_EVERY, first=5, name="operator-alerts")
