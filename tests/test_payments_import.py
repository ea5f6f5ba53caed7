"""Bank reconciliation: `python -m bot import payments FILE.csv` pays bills and invoices,
rejects bad rows with reasons (all or nothing), tells the payers, moves requests on."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.domain.identifiers import BillId, PaymentId
from bot.runtime.cli import main
from bot.store import open_store
from bot.text import fmt
from bot.tools.importer import import_payments
from tests.billing_fixtures import seed_bills, seed_subscriber
from tests.payments_fixtures import APPLICANT, outbox_of, request_at_invoice
from tests.test_jobs import linked

HEADER = "bill_id,payment_id,amount,paid_at,reference\n"
CHAT = 8801


def write(tmp_path: Path, rows: list[str], name: str = "pay.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


async def setting(running):
    """A subscription with an unpaid bill (a verified chat) and a request at its invoice."""
    sub = await seed_subscriber(running.store)
    bill = (await seed_bills(running.store, sub, periods=3))[-1]
    await linked(running, sub, CHAT)
    request = await request_at_invoice(running, amount=2_750_000)
    return sub, bill, request


async def test_a_bill_and_an_invoice_are_paid_and_payers_told(running, tmp_path):
    store = running.store
    _, bill, request = await setting(running)
    path = write(tmp_path, [
        f"{fmt.digits(bill.bill_id)},{bill.payment_id},{fmt.number(bill.payable)},"
        f"۱۴۰۴/۰۲/۳۰ ۰۹:۱۵,۸۸۲۲۷۷",
        f"{request.invoice_bill_id},{request.invoice_payment_id},2750000,1404/03/01 10:35:20,"
        f"BMI-991",
    ])
    report = await import_payments(store, path)
    assert report.ok and (report.read, report.imported) == (2, 2)
    paid = await store.bill(bill.id)
    assert paid.payment_ref == "882277"
    assert paid.paid_at.astimezone(fmt.TEHRAN).strftime("%H:%M") == "09:15"
    [receipt] = await outbox_of(running, CHAT, "receipt")
    assert fmt.digits("882277") in receipt["text"] and fmt.rials(bill.payable) in receipt["text"]
    moved = await store.request(request.id)
    assert (moved.stage, moved.invoice_paid_ref) == ("delivery", "BMI-991")
    kinds = [r["kind"] for r in await outbox_of(running, APPLICANT)]
    assert kinds[-2:] == ["paid", "stage"]
    # the same file again changes nothing
    again = await import_payments(store, path)
    assert (again.imported, again.skipped, again.rejected) == (0, 2, [])
    assert len(await store.payments_of(bill_row_id=bill.id)) == 1
    assert len(await outbox_of(running, CHAT, "receipt")) == 1


async def test_bad_rows_reject_the_whole_file_with_reasons(running, tmp_path):
    store = running.store
    _, bill, request = await setting(running)
    other = BillId.build("5550001")
    future = (dt.date.today() + dt.timedelta(days=3))
    rows = [
        f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/02/30,R1",  # good
        f"{other.digits},{PaymentId.build(other, 1000, 1404, 1)},1000,1404/02/30,R2",  # nothing
        f"{request.invoice_bill_id},{request.invoice_payment_id},2700000,1404/03/01,R3",
        f"{bill.bill_id},{bill.payment_id[:-1]}0,{bill.payable},1404/02/30,R4",  # bad check
        f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/02/31 25:00,R5",  # bad time
        f"{bill.bill_id},{bill.payment_id},{bill.payable},{future.isoformat()}T10:00,R6",
        f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/02/30,R1",  # same reference
        f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/02/30,",  # no reference
    ]
    report = await import_payments(store, write(tmp_path, rows))
    reasons = {line: " ".join(r) for line, r in report.rejected}
    assert report.imported == 0 and sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "no bill or invoice" in reasons[3]
    assert "amount differs from the 2750000 rials due" in reasons[4]
    assert "payment_id" in reasons[5]
    assert "paid_at" in reasons[6] and "in the future" in reasons[7]
    assert "reference: same as line 2" in reasons[8] and "reference: required" in reasons[9]
    assert (await store.bill(bill.id)).paid_at is None
    assert (await store.request(request.id)).invoice_paid_at is None
    assert await store.payments_of(bill_row_id=bill.id) == []
    assert await outbox_of(running, CHAT, "receipt") == []
    # --accept-valid keeps the good row only
    report = await import_payments(store, write(tmp_path, rows), accept_valid=True)
    assert report.imported == 1 and (await store.bill(bill.id)).payment_ref == "R1"
    # a second payment of a paid bill, with another reference, is refused for a clerk
    report = await import_payments(store, write(tmp_path, [
        f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/03/02,R9"]))
    [(_, [reason])] = report.rejected
    assert reason.startswith("already paid on 1404/02/30 (reference R1)")


async def test_the_command_line(running, settings, tmp_path, capsys, monkeypatch):
    _, bill, _ = await setting(running)
    path = write(tmp_path, [f"{bill.bill_id},{bill.payment_id},{bill.payable + 1000},"
                            f"1404/02/30,Z1"])
    await running.stop()
    await running.store.close()
    monkeypatch.setenv("ABFA_DATABASE", str(settings.database))
    assert await asyncio.to_thread(main, ["import", "payments", str(path)]) == 1
    out = capsys.readouterr()
    assert "line 2: amount differs" in out.out and "nothing imported" in out.err
    path.write_text(HEADER + f"{bill.bill_id},{bill.payment_id},{bill.payable},"
                             f"1404/02/30,Z1\n", encoding="utf-8")
    assert await asyncio.to_thread(main, ["import", "payments", str(path)]) == 0
    assert "1 imported" in capsys.readouterr().out
    store = await open_store(settings.database)
    try:
        assert (await store.bill(bill.id)).payment_ref == "Z1"
    finally:
        await store.close()


async def test_one_row_per_transaction_keeps_all_or_nothing_and_resumes(running, tmp_path):
    """In batches (here of one row), a bad last row still keeps nothing; a run stopped
    after its first batch is finished by the same file again, nobody told twice."""
    from bot.payments import reconcile
    from bot.tools.importer import read_csv

    store = running.store
    _, bill, request = await setting(running)
    good = [f"{bill.bill_id},{bill.payment_id},{bill.payable},1404/02/30,R1",
            f"{request.invoice_bill_id},{request.invoice_payment_id},2750000,1404/03/01,R2"]
    bad = write(tmp_path, [*good, f"{bill.bill_id},{bill.payment_id},1,1404/02/30,R3"])
    rows = list(read_csv(bad, reconcile.REQUIRED, ()))
    outcome = await reconcile.apply(store, rows, batch=1)
    assert outcome.imported == 0 and [line for line, _ in outcome.rejected] == [4]
    assert await store.payments_of(bill_row_id=bill.id) == []
    first = list(read_csv(write(tmp_path, good[:1], "first.csv"), reconcile.REQUIRED, ()))
    assert (await reconcile.apply(store, first, batch=1)).imported == 1  # "stopped" here
    report = await import_payments(store, write(tmp_path, good, "all.csv"))
    assert (report.imported, report.skipped, report.rejected) == (1, 1, [])
    assert len(await outbox_of(running, CHAT, "receipt")) == 1
