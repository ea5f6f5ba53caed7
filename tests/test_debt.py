"""«بدهی قبلی» is the unpaid amount of earlier bills; reminders go only for unpaid bills."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.notify.jobs import run_reminders
from bot.payments import ledger
from bot.text import fmt
from bot.text.fmt import now_utc
from bot.tools.importer import import_bills, import_subscribers
from tests.billing_fixtures import seed_bills, seed_subscriber
from tests.test_importer import GOOD_NUMBER, HEADER, good_row
from tests.test_jobs import deliver, linked

BILLS = ("subscription_number,year,period,prev_reading_date,curr_reading_date,"
         "prev_reading,curr_reading,paid\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_imported_bills_carry_the_unpaid_amount_and_a_paid_one_settles_it(store, tmp_path):
    await import_subscribers(store, write(tmp_path, "s.csv", HEADER + good_row()))
    path = write(tmp_path, "b.csv", BILLS
                 + f"{GOOD_NUMBER},1404,3,1404/04/28,1404/06/28,100,130,\n"
                 + f"{GOOD_NUMBER},1404,4,1404/06/28,1404/08/28,130,160,\n"
                 + f"{GOOD_NUMBER},1404,5,1404/08/28,1404/10/28,160,185,yes\n")
    assert (await import_bills(store, path)).imported == 3
    sub = await store.subscriber_by_number(GOOD_NUMBER)
    third, second, first = await store.bills(sub.id)
    assert first.previous_balance == 0
    assert second.previous_balance == first.payable
    assert third.previous_balance == second.payable  # both earlier bills, counted once
    # the paid bill carried their debt: they are settled, nothing is owed any more
    assert all(b.paid_at is not None for b in (first, second, third))
    assert await store.unpaid_debt(sub.id, 1404, 6) == 0


async def test_the_next_bill_carries_what_is_unpaid_on_file(store, tmp_path):
    sub = await seed_subscriber(store)
    last = (await seed_bills(store, sub, periods=3, last=(1404, 2)))[-1]
    assert last.paid_at is None
    text = (BILLS.replace(",paid", ",previous_balance")
            + f"{sub.subscription_number},1404,3,1404/04/28,1404/06/28,"
              f"{last.curr_reading},{last.curr_reading + 40},\n")
    assert (await import_bills(store, write(tmp_path, "b.csv", text))).imported == 1
    newest = (await store.bills(sub.id, limit=1))[0]
    assert newest.previous_balance == last.payable - last.previous_balance
    # the utility's own figure, when the file gives one, is kept as it is
    text = text.replace("1404,3,1404/04/28,1404/06/28", "1404,4,1404/06/28,1404/08/28")
    text = text.replace(f"{last.curr_reading},{last.curr_reading + 40},",
                        f"{last.curr_reading + 40},{last.curr_reading + 70},0")
    assert (await import_bills(store, write(tmp_path, "c.csv", text))).imported == 1
    assert (await store.bills(sub.id, limit=1))[0].previous_balance == 0


async def test_reminders_only_for_unpaid_bills_and_none_after_paying(running):
    store, settings = running.store, running.settings
    sub = await seed_subscriber(store)
    bills = await seed_bills(store, sub, periods=3)
    await linked(running, sub, 8901)
    paid, unpaid = bills[-2], bills[-1]
    day = paid.due_date - dt.timedelta(days=settings.reminder_days)
    assert await run_reminders(store, settings, today=day) == 0  # already paid
    day = unpaid.due_date - dt.timedelta(days=settings.reminder_days)
    assert await run_reminders(store, settings, today=day) == 1
    # paid at a bank before the reminder went out: it is not sent
    await ledger.record(store, ledger.Payment(unpaid.bill_id, unpaid.payment_id,
                                              unpaid.payable, "BK-1", "bank", now_utc()))
    got = await deliver(running)
    texts = got.get(8901, [])
    assert len(texts) == 1 and fmt.digits("BK-1") in texts[0]  # only the receipt
    [reminder] = await store.outbox_messages(chat_id=8901, kind="reminder")
    assert (reminder["status"], reminder["last_error"]) == ("failed", "paid")
