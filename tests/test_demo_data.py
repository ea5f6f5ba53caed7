"""The demo data generator: valid identifiers, engine-computed chained bills, open requests."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.billing.billing import matches, recompute
from bot.domain.identifiers import parse_bill_id, parse_payment_id, parse_subscription
from bot.tools.demo_data import DEMO_CHAT, ensure_demo_data, generate


async def test_generated_data_is_valid_and_chained(store):
    summary = await generate(store, 200, seed=7, today=dt.date(2026, 11, 23))
    assert (summary.subscribers, summary.bills, summary.requests) == (200, 2400, 2)
    for subscriber in await store.sample_subscribers(20):
        parse_subscription(subscriber.subscription_number)
        bill_id = parse_bill_id(subscriber.bill_id)
        bills = await store.bills(subscriber.id, limit=12)
        assert len(bills) == 12 and (bills[0].year, bills[0].period) == (1405, 4)
        for newer, older in itertools.pairwise(bills):
            assert newer.carry_in == older.carry_out
            assert newer.prev_reading == older.curr_reading
            # the debt of a bill unpaid when the next was issued is carried (a later payment
            # of a bill that carried it settles it, so it may be marked paid by now)
            unpaid_then = older.paid_at is None or older.paid_at.date() > newer.issue_date
            assert newer.previous_balance == (older.payable if unpaid_then else 0)
        for bill in bills:
            assert matches(bill, recompute(subscriber, bill))
            if bill.payment_id:
                assert parse_payment_id(bill.payment_id, bill_id).amount_rials == bill.payable
        assert bills[0].paid_at is None  # the latest bill is still to pay
    [first] = await store.requests_for_chat(DEMO_CHAT)
    assert first.status == "open" and len(await store.request_documents(first.id)) >= 1


async def test_ensure_demo_data_fills_only_an_empty_database(store):
    assert (await ensure_demo_data(store, 30)).subscribers == 30
    assert await ensure_demo_data(store, 30) is None
    assert await store.subscribers_count() == 30
