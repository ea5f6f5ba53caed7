"""Satisfaction after a request closes, and `python -m bot ops stats`."""

from __future__ import annotations

import datetime as dt
import json

from bot.services import workflow
from bot.services.catalog import service
from bot.services.stats import nearest_rank, service_stats
from bot.text.i18n import t
from bot.tools.simulator import text_of
from tests.conftest import OPERATOR_ID
from tests.payments_fixtures import APPLICANT, outbox_of, request_at_invoice
from tests.test_ops_cli import ops

ACTOR = f"operator:{OPERATOR_ID}"


async def test_asked_once_after_closing_stars_and_comment(running):
    request = await request_at_invoice(running)
    applicant = running.user(APPLICANT)
    assert text_of(await applicant.press(f"rate:{request.id}:5")) == t("rate.not_yours")
    await workflow.close(running.store, request.code, ACTOR, "آب تحویل شد")
    [closing] = await outbox_of(running, APPLICANT, "closed")
    assert t("notify.rate_question") in closing["text"]
    rows = json.loads(closing["reply_markup"])["inline_keyboard"]
    assert [b["callback_data"] for b in rows[-1]] == [f"rate:{request.id}:{n}" for n in range(1, 6)]
    assert [b["text"] for b in rows[-1]] == [t("notify.button_stars", stars=n) for n in range(1, 6)]

    # a stranger's forged press changes nothing
    assert text_of(await running.user(APPLICANT + 1).press(f"rate:{request.id}:1")) == t(
        "rate.not_yours")
    replies = await applicant.press(f"rate:{request.id}:4")
    assert text_of(replies) == t("rate.ask_comment", stars=4)
    replies = await applicant.send("راننده خوش‌برخورد بود ولی دیر رسید")
    assert text_of(replies) == t("rate.thanks")
    rated = await running.store.request(request.id)
    assert (rated.rating, rated.rating_comment) == (4, "راننده خوش‌برخورد بود ولی دیر رسید")
    # once: a second press keeps the first rating
    assert text_of(await applicant.press(f"rate:{request.id}:1")) == t("rate.already")
    assert (await running.store.request(request.id)).rating == 4


async def test_the_comment_can_be_skipped(running):
    request = await request_at_invoice(running)
    await workflow.close(running.store, request.code, ACTOR)
    applicant = running.user(APPLICANT)
    await applicant.press(f"rate:{request.id}:2")
    await running.restart()
    assert text_of(await applicant.send(t("common.button_skip"))) == t("rate.thanks")
    rated = await running.store.request(request.id)
    assert (rated.rating, rated.rating_comment) == (2, None)


def test_percentiles_and_stats_per_service():
    assert nearest_rank([5.0], 90) == 5.0
    assert nearest_rank([float(n) for n in range(1, 11)], 90) == 9.0
    assert nearest_rank([float(n) for n in range(1, 12)], 90) == 10.0
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [{"kind": "service", "service": "tanker_water", "created_at": start.isoformat(),
             "closed_at": (start + dt.timedelta(hours=h)).isoformat(), "rating": r}
            for h, r in ((10, 5), (20, None), (30, 3), (100, 4))]
    [stats] = service_stats(rows)
    assert (stats.closed, str(stats.median_hours), str(stats.p90_hours)) == (4, "25.0", "100.0")
    assert stats.catalog_hours == service("tanker_water").duration.hours == 24
    assert stats.over_catalog is True
    assert (str(stats.average_rating), stats.ratings) == ("4.0", 3)


async def test_ops_stats_command(running, settings, capsys):
    first = await request_at_invoice(running)
    second = await request_at_invoice(running, chat_id=APPLICANT + 1)
    await request_at_invoice(running, chat_id=APPLICANT + 2)  # still open: not counted
    for request in (first, second):
        await workflow.close(running.store, request.code, ACTOR)
    await running.store.rate_request(first.id, APPLICANT, 5)
    await running.store.close()
    assert await ops(settings, "stats") == 0
    header, line, *rest = capsys.readouterr().out.strip().split("\n")
    assert rest == []
    assert header.split("\t")[:4] == ["kind", "service", "title", "closed"]
    cells = line.split("\t")
    assert cells[:4] == ["service", "tanker_water", service("tanker_water").title, "2"]
    assert cells[6:] == ["24", "no", "5.0", "1"]
