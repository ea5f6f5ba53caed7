"""Issue 13, point 5: each request shows when it should be done (the service's average
duration in the catalog, from the seeds), and its applicant is told once if it runs late."""

from __future__ import annotations

import datetime as dt

from bot.domain.identifiers import format_code
from bot.services import catalog, workflow
from bot.services.deadlines import due_text
from bot.text import fmt
from bot.text.i18n import t
from tests.conftest import OPERATOR_ID
from tests.requests_fixtures import submit_request
from tests.test_jobs import deliver


async def test_expected_date_is_shown_and_a_late_request_is_told_once(running, monkeypatch):
    svc = catalog.service("tanker_water")  # ۲۴ ساعت in seed 001
    user = running.user(5200)
    await submit_request(user, svc, None)
    request = (await running.store.requests_for_chat(user.id))[0]
    due = due_text(svc, request.created_at)
    assert due == fmt.jalali_datetime(request.created_at + dt.timedelta(hours=24))
    replies = await user.press(f"req:show:{request.id}")
    assert t("track.due", due=due) in replies[0].text

    store = running.store
    assert await workflow.notify_late(store, request.created_at + dt.timedelta(hours=23)) == 0
    later = request.created_at + dt.timedelta(hours=25)
    assert await workflow.notify_late(store, later) == 1
    assert await workflow.notify_late(store, later + dt.timedelta(days=3)) == 0  # once only
    got = await deliver(running)
    assert got[user.id] == ["\n".join([t("notify.late", service=svc.title,
                                         code=format_code(request.code), due=due),
                                       t("notify.signature")])]

    monkeypatch.setattr(fmt, "now_utc", lambda: later)
    replies = await user.press(f"req:show:{request.id}")
    assert t("track.due_late", due=due) in replies[0].text
    op = running.user(OPERATOR_ID, "اپراتور")
    replies = await op.send("/ops")
    assert replies[0].inline[0][0][0].startswith("⏰")
    replies = await op.press(f"op:open:{request.code}")
    assert t("ops.line_due_late", due=due) in replies[-1].text


async def test_no_late_notice_while_waiting_for_the_applicant_or_without_a_duration(running):
    user = running.user(5201)
    await submit_request(user, catalog.service("tanker_water"), None)
    waiting = (await running.store.requests_for_chat(user.id))[0]
    await workflow.ask_document(running.store, waiting.code, "photo", "cli:test")
    await submit_request(user, catalog.service("new_water_branch"), None)  # no duration
    branch = (await running.store.requests_for_chat(user.id))[0]
    assert branch.service == "new_water_branch" and due_text(
        catalog.service("new_water_branch"), branch.created_at) is None
    far = waiting.created_at + dt.timedelta(days=400)
    assert await workflow.notify_late(running.store, far) == 0
    replies = await user.press(f"req:show:{branch.id}")
    assert "موعد" not in replies[0].text


async def test_the_running_bot_looks_for_late_requests_every_hour(running):
    jobs = {job.name: job for job in running.app.job_queue.jobs()}
    assert "late-requests" in jobs
