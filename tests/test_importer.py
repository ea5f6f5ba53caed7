"""CSV imports: per-row validation, reasons, all-or-nothing, bills computed by the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.identifiers import BillId, SubscriptionNumber
from bot.tools.importer import ImportFileError, import_bills, import_subscribers

HEADER = "subscription_number,bill_id,name,phone,schedule,city,usage,units,has_sewage,contract_capacity\n"
GOOD_NUMBER = SubscriptionNumber.build("11", "0001", "123").digits
GOOD_BILL = BillId.build("7700123").digits
OTHER_NUMBER = SubscriptionNumber.build("11", "0001", "124").digits
OTHER_BILL = BillId.build("7700124").digits


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good_row(number: str = GOOD_NUMBER, bill: str = GOOD_BILL) -> str:
    return f"{number},{bill},مریم رضایی,۰۹۱۲۱۲۳۴۵۶۷,east-azarbaijan-urban-1398,tabriz,household,2,بله,\n"


async def test_valid_subscribers_are_imported(store, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + good_row() + good_row(OTHER_NUMBER, OTHER_BILL))
    report = await import_subscribers(store, path)
    assert report.ok and report.imported == 2
    sub = await store.subscriber_by_number(GOOD_NUMBER)
    assert sub.phone == "09121234567" and sub.units == 2 and sub.has_sewage


@pytest.mark.parametrize(("row", "reason"), [
    # the last digit of the subscription number is wrong
    (good_row(GOOD_NUMBER[:-1] + str((int(GOOD_NUMBER[-1]) + 1) % 10)), "subscription_number"),
    # an electricity bill ID (service type 2) is not a water bill
    (good_row(bill=BillId.build("7700123", service_type=2).digits), "bill_id"),
    # a landline is not a mobile
    (good_row().replace("۰۹۱۲۱۲۳۴۵۶۷", "04133318871"), "phone"),
    # a city the schedule does not have
    (good_row().replace("tabriz", "tehran"), "city"),
    # commercial needs a contract capacity
    (good_row().replace("household", "commercial"), "contract_capacity"),
    # units must be a whole number ≥ 1
    (good_row().replace(",2,", ",0,"), "units"),
])
async def test_a_bad_row_rejects_the_file_with_its_reason(store, tmp_path, row, reason):
    path = write(tmp_path, "s.csv", HEADER + good_row(OTHER_NUMBER, OTHER_BILL) + row)
    report = await import_subscribers(store, path)
    assert report.imported == 0 and await store.subscribers_count() == 0
    [(line, reasons)] = report.rejected
    assert line == 3 and any(r.startswith(reason) for r in reasons)


async def test_accept_valid_imports_the_rest(store, tmp_path):
    bad = good_row(OTHER_NUMBER, OTHER_BILL).replace("tabriz", "tehran")
    path = write(tmp_path, "s.csv", HEADER + good_row() + bad)
    report = await import_subscribers(store, path, accept_valid=True)
    assert report.imported == 1 and len(report.rejected) == 1


async def test_duplicates_in_the_file_and_on_file(store, tmp_path):
    path = write(tmp_path, "s.csv", HEADER + good_row() + good_row())
    report = await import_subscribers(store, path)
    assert "duplicate of line 2" in report.rejected[0][1][0]
    await import_subscribers(store, write(tmp_path, "one.csv", HEADER + good_row()))
    again = await import_subscribers(store, write(tmp_path, "two.csv", HEADER + good_row()))
    assert any("already on file" in r for r in again.rejected[0][1])


@pytest.mark.parametrize("text", [
    "subscription_number,name\n1,2\n",  # missing columns
    HEADER.replace("units", "unitz") + good_row(),  # unknown column
    HEADER + good_row().rstrip("\n") + ",extra\n",  # more cells than columns
])
async def test_a_broken_file_imports_nothing(store, tmp_path, text):
    with pytest.raises(ImportFileError):
        await import_subscribers(store, write(tmp_path, "bad.csv", text))
    assert await store.subscribers_count() == 0


async def test_a_file_that_is_not_utf8_imports_nothing(store, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"\xe3\xd1\xed\xe3,1\n")  # Windows-1256 text
    with pytest.raises(ImportFileError):
        await import_subscribers(store, path)


BILLS = ("subscription_number,year,period,prev_reading_date,curr_reading_date,"
         "prev_reading,curr_reading,payable\n")


async def test_bills_are_computed_and_chained(store, tmp_path):
    await import_subscribers(store, write(tmp_path, "s.csv", HEADER + good_row()))
    path = write(tmp_path, "b.csv", BILLS
                 + f"{GOOD_NUMBER},1404,5,1404/08/28,1404/10/28,100,140,\n"
                 + f"{GOOD_NUMBER},۱۴۰۴,۶,۱۴۰۴/۱۰/۲۸,۱۴۰۴/۱۲/۲۸,۱۴۰,۱۷۰,\n")
    report = await import_bills(store, path)
    assert report.ok and report.imported == 2
    sub = await store.subscriber_by_number(GOOD_NUMBER)
    newest, older = await store.bills(sub.id)
    assert (newest.year, newest.period, newest.consumption) == (1404, 6, 30)
    assert newest.carry_in == older.carry_out
    assert newest.payable % 1000 == 0 and newest.payable > 0


async def test_bills_reject_lower_reading_wrong_payable_and_unknown_subscriber(store, tmp_path):
    await import_subscribers(store, write(tmp_path, "s.csv", HEADER + good_row()))
    path = write(tmp_path, "b.csv", BILLS
                 + f"{GOOD_NUMBER},1404,5,1404/08/28,1404/10/28,140,100,\n"
                 + f"{GOOD_NUMBER},1404,6,1404/10/28,1404/12/28,140,170,1000\n"
                 + f"{OTHER_NUMBER},1404,6,1404/10/28,1404/12/28,140,170,\n")
    report = await import_bills(store, path)
    reasons = {line: " ".join(r) for line, r in report.rejected}
    assert "lower than prev_reading" in reasons[2]
    assert "the file says 1000" in reasons[3]
    assert "not on file" in reasons[4]
    sub = await store.subscriber_by_number(GOOD_NUMBER)
    assert await store.bills(sub.id) == []


async def test_imported_bills_notify_the_verified_chats(store, tmp_path):
    await import_subscribers(store, write(tmp_path, "s.csv", HEADER + good_row()))
    sub = await store.subscriber_by_number(GOOD_NUMBER)
    await store.upsert_chat(61, 61, "مریم", None)
    await store.link_subscription(61, sub.id, "خانه")
    await store.verify_link(61, sub.id)
    await store.upsert_chat(62, 62, "غریبه", None)
    await store.link_subscription(62, sub.id, "خانه")  # never verified: gets nothing
    path = write(tmp_path, "b.csv", BILLS
                 + f"{GOOD_NUMBER},1404,5,1404/08/28,1404/10/28,100,140,\n"
                 + f"{GOOD_NUMBER},1404,6,1404/10/28,1404/12/28,140,400,\n")
    assert (await import_bills(store, path)).imported == 2
    messages = await store.outbox_messages(chat_id=61)
    assert [m["kind"] for m in messages].count("bill") == 2
    assert [m["kind"] for m in messages].count("consumption") == 1  # 260 m³ for 2 units
    assert await store.outbox_messages(chat_id=62) == []
