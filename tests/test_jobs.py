"""Payment reminders, planned outage notices, new-bill and consumption notices, operator alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bot.domain.identifiers import format_code
from bot.notify import notices
from bot.notify.jobs import run_reminders
from bot.notify.notifier import Notifier
from bot.runtime.settings import load_settings
from bot.services import workflow
from bot.services.catalog import incident_type
from bot.store.models import Subscriber
from bot.store.request_models import NewRequest
from bot.text import fmt
from bot.text.fmt import jalali_date, rials
from bot.text.i18n import t
from bot.text.normalise import to_ascii_digits
from tests.billing_fixtures import seed_bills, seed_subscriber
from tests.conftest import OPERATOR_ID, Running


async def linked(running: Running, subscriber: Subscriber, chat_id: int, *,
                 verified: bool = True, blocked: bool = False) -> None:
    """A chat linked to the subscription (proved by phone or not; blocked the bot or not)."""
    store = running.store
    await store.upsert_chat(chat_id, chat_id, "مشترک", None)
    await store.link_subscription(chat_id, subscriber.id, "خانه")
    if verified:
        await store.verify_link(chat_id, subscriber.id)
    if blocked:
        await store.set_chat_blocked(chat_id)


async def deliver(running: Running) -> dict[int, list[str]]:
    """Drain the outbox; texts by chat."""
    before = len(running.api.calls)
    await Notifier(running.app.bot, running.store, per_second=1000, per_chat_second=1000).drain()
    got: dict[int, list[str]] = {}
    for call in running.api.calls[before:]:
        if call.method == "sendMessage":
            got.setdefault(call.chat_id, []).append(call.text)
    return got


async def test_payment_reminder_once_per_bill_to_verified_chats(running: Running) -> None:
    store, settings = running.store, running.settings
    subscriber = await seed_subscriber(store)
    bills = await seed_bills(store, subscriber, periods=3)
    unpaid = bills[-1]
    await linked(running, subscriber, 801)
    await linked(running, subscriber, 802, verified=False)
    await linked(running, subscriber, 803, blocked=True)
    due = unpaid.due_date
    days = settings.reminder_days

    assert await run_reminders(store, settings, today=due - dt.timedelta(days=days + 1)) == 0
    assert await run_reminders(store, settings, today=due - dt.timedelta(days=days)) == 1
    assert await run_reminders(store, settings, today=due - dt.timedelta(days=days - 1)) == 0
    got = await deliver(running)
    assert list(got) == [801] and len(got[801]) == 1
    text = got[801][0]
    assert rials(unpaid.payable) in text and jalali_date(due) in text
    assert text.startswith("مشترک گرامی") and text.endswith(t("notify.signature"))
    assert await run_reminders(store, settings, today=due) == 0  # once per bill
    assert await run_reminders(store, settings, today=due + dt.timedelta(days=1)) == 0  # overdue


async def test_reminder_days_is_configurable(running: Running, tmp_path) -> None:
    subscriber = await seed_subscriber(running.store)
    unpaid = (await seed_bills(running.store, subscriber, periods=2))[-1]
    await linked(running, subscriber, 811)
    week = load_settings(database=tmp_path / "x.sqlite3", reminder_days=7)
    today = unpaid.due_date - dt.timedelta(days=6)
    assert await run_reminders(running.store, running.settings, today=today) == 0
    assert await run_reminders(running.store, week, today=today) == 1


async def test_outage_reaches_every_verified_chat_of_the_area(running: Running) -> None:
    store = running.store
    zone3 = await seed_subscriber(store, zone=3)
    zone5 = await seed_subscriber(store, zone=5)
    elsewhere = await seed_subscriber(store, city="maragheh", zone=None)
    await linked(running, zone3, 821)
    await linked(running, zone3, 822, verified=False)
    await linked(running, zone5, 823)
    await linked(running, elsewhere, 824)
    day = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    start = notices.parse_moment(day, "۱۰:۰۰")
    end = notices.parse_moment(to_ascii_digits(day), "14:00")
    outage = notices.build_outage("tabriz", 3, start, end, "تعمیر خط انتقال")
    event, count = await notices.enqueue_outage(store, outage, "cli:test")
    assert count == 1
    whole_city = notices.build_outage("tabriz", None, start, end, "تعمیر خط انتقال")
    _, count = await notices.enqueue_outage(store, whole_city, "cli:test")
    assert count == 2
    got = await deliver(running)
    assert sorted(got) == [821, 823] and len(got[821]) == 2 and len(got[823]) == 1
    assert got[821][0] == notices.outage_text(outage)
    assert "منطقه ۳ تبریز" in got[821][0] and "۱۰:۰۰" in got[821][0] and "۱۴:۰۰" in got[821][0]
    rows = await store.outbox_messages(kind="outage")
    assert {r["dedupe_key"].split(":")[1] for r in rows} == {"tabriz"}
    assert event > 0
    # announced again (a run stopped half-way, or twice by mistake): nobody is told twice
    assert (await notices.enqueue_outage(store, outage, "cli:test"))[1] == 0


async def test_outage_is_asked_in_persian_previewed_and_counted(running: Running) -> None:
    """Issue 13, point 12: the place by its Persian name (suggestions for a misspelt one),
    the zone from buttons, the day (never in the past), the hours, the reason; a preview
    that says how many chats get it; and only then the notices."""
    subscriber = await seed_subscriber(running.store, zone=2)
    await linked(running, subscriber, 831)
    await linked(running, await seed_subscriber(running.store, zone=2), 832)
    await linked(running, await seed_subscriber(running.store, zone=5), 833)
    op = running.user(OPERATOR_ID, "اپراتور")
    replies = await op.send("/outage")
    assert replies[-1].text == t("ops.outage_ask_place")
    replies = await op.send("تبرز")
    assert replies[0].text == t("ops.outage_error_place_suggest", text="تبرز")
    replies = await op.tap("تبریز")
    assert replies[0].text == t("ops.outage_ask_zone", city="تبریز")
    labels = [label for row in replies[0].inline for label, _ in row]
    assert labels[0] == t("ops.outage_all_zones") and len(labels) == 11
    replies = await op.tap(t("ops.outage_zone_button", zone=2))
    assert replies[0].text == t("ops.outage_ask_day")
    yesterday = fmt.jalali_date(fmt.tehran_today() - dt.timedelta(days=1))
    replies = await op.send(yesterday)
    assert replies[0].text == t("ops.outage_error_past_day", date=yesterday)
    tomorrow = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    replies = await op.tap(t("ops.outage_tomorrow", date=tomorrow))
    assert replies[0].text == t("ops.outage_ask_hours", date=tomorrow)
    replies = await op.send("۱۴-۱۰")
    assert replies[0].text == t("ops.outage_error_order")
    await op.send("۱۰:۰۰-۱۴:۰۰")
    replies = await op.send("تعمیر خط انتقال")
    assert replies[0].text.startswith(t("ops.outage_preview", count=2, text="").strip())
    assert "منطقه ۲ تبریز" in replies[0].text and "تعمیر خط انتقال" in replies[0].text
    assert await running.store.outbox_messages(kind="outage") == []
    replies = await op.tap(t("ops.outage_confirm", count=2))
    assert replies[-1].text == t("ops.outage_sent", count=2)
    got = await deliver(running)
    assert sorted(got) == [831, 832] and "تعمیر خط انتقال" in got[831][0]
    replies = await op.press("op:outage:yes")  # pressing again sends nothing more
    assert replies[-1].text == t("common.expired_button")
    assert len(await running.store.outbox_messages(kind="outage")) == 2


async def test_outage_on_one_line_asks_only_what_is_missing_or_wrong(running: Running) -> None:
    await linked(running, await seed_subscriber(running.store, city="marand", zone=None), 841)
    op = running.user(OPERATOR_ID, "اپراتور")
    tomorrow = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    replies = await op.send(f"/outage مرند {tomorrow} ۱۴:۰۰-۱۰:۰۰ تعمیر")
    assert replies[0].text == t("ops.outage_error_order")
    replies = await op.send("۸-۱۲")
    assert replies[0].text == t("ops.outage_ask_reason")
    replies = await op.send("تعمیر پمپ")
    assert replies[0].text.startswith(t("ops.outage_preview", count=1, text="").strip())
    replies = await op.tap(t("ops.outage_cancel"))
    assert replies[0].text == t("ops.outage_cancelled")
    replies = await op.send("/outage tabriz:2 1405/13/02 10:00-14:00 تعمیر")
    assert replies[0].text == t("ops.outage_error_day")
    replies = await op.send("/outage مرند ۳")
    assert replies[0].text == t("ops.outage_error_no_zones", city="مرند")
    replies = await op.send(f"/outage تبریز ۲ {tomorrow} ۱۰:۰۰-۱۴:۰۰ تعمیر خط")
    assert replies[0].text == t("ops.outage_none")  # nobody verified in that zone
    assert await running.store.outbox_messages(kind="outage") == []


async def test_new_bill_and_consumption_alert(running: Running) -> None:
    store = running.store
    subscriber = await seed_subscriber(store)
    bill = (await seed_bills(store, subscriber, periods=1))[-1]
    await linked(running, subscriber, 841)
    row = {"id": bill.id, "year": bill.year, "period": bill.period, "payable": bill.payable,
           "due_date": bill.due_date, "bill_id": bill.bill_id, "payment_id": bill.payment_id}
    async with store.unit() as uow:
        assert await notices.enqueue_new_bill(uow, subscriber.id, row) == 1
        assert await notices.enqueue_new_bill(uow, subscriber.id, row) == 0  # once
    allowed = notices.allowed_use(subscriber, 60)
    assert allowed is not None and allowed > 0
    async with store.unit() as uow:
        near = allowed * notices.ALERT_RATIO
        assert await notices.consumption_alert(uow, subscriber, near, 60, ref="reading:1") == 0
        far = (allowed * 2).quantize(Decimal(1))
        assert await notices.consumption_alert(uow, subscriber, far, 60, ref="reading:2") == 1
        assert await notices.consumption_alert(uow, subscriber, far, 60, ref="reading:2") == 0
    got = await deliver(running)
    assert len(got[841]) == 2
    assert rials(bill.payable) in got[841][0]
    assert "۲٫۰ برابر" in got[841][1]


async def test_operators_group_gets_one_alert_per_request(running: Running) -> None:
    group = -100123
    created = await running.store.create_request(NewRequest(
        kind="incident", service="burst_pipe", chat_id=851,
        user_id=851, stage="registered", latitude=38.0, longitude=46.3))
    assert await workflow.alert_operators(running.store, None) == 0
    assert await workflow.alert_operators(running.store, group) == 1
    assert await workflow.alert_operators(running.store, group) == 0
    got = await deliver(running)
    assert got[group] == [t("notify.alert_incident", service=incident_type("burst_pipe").title,
                            code=format_code(created.code))]
    call = [c for c in running.api.calls if c.chat_id == group][-1]
    assert call.inline[0][0][1] == f"op:open:{created.code}"


async def test_an_outage_reason_over_the_limit_is_refused_where_it_is_typed(
        running: Running) -> None:
    """Issue 10 item 16: a long reason made every outage notice undeliverable. On one line
    it was cut silently; now it is refused, and asked again, as in the reason step."""
    await linked(running, await seed_subscriber(running.store, city="marand", zone=None), 842)
    op = running.user(OPERATOR_ID, "اپراتور")
    tomorrow = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    replies = await op.send(f"/outage مرند {tomorrow} ۱۰:۰۰-۱۴:۰۰ " + "تعمیر خط انتقال " * 300)
    assert [r.text for r in replies] == [t("ops.outage_error_reason", max=200),
                                         t("ops.outage_ask_reason")]
    replies = await op.send("ت" * 201)
    assert replies[0].text == t("ops.outage_error_reason", max=200)
    replies = await op.send("ب" * 200)
    assert replies[0].text.startswith(t("ops.outage_preview", count=1, text="").strip())
    await op.tap(t("ops.outage_confirm", count=1))
    got = await deliver(running)
    assert "ب" * 200 in got[842][0] and len(got[842][0]) < 1000
