"""Import the utility's CSV exports: subscribers and bills; and the banks' payments.

Every row is validated; rejected rows are reported with their line number and reasons.
A broken file (unreadable, wrong columns) imports nothing. By default a file with any
rejected row imports nothing either; `accept_valid=True` imports the valid rows and
reports the rest. Everything a run imports is written in one transaction.
The column formats are documented in docs/import.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jdatetime

from bot.billing.billing import bill_input, bill_row
from bot.domain.identifiers import IdentifierError, parse_bill_id, parse_subscription
from bot.notify import notices
from bot.payments import reconcile
from bot.store.imports import STAGE_BATCH
from bot.store.interface import Store
from bot.store.models import Subscriber
from bot.text.fmt import parse_jalali
from bot.text.normalise import normalize_text, parse_int
from bot.text.personal import normalize_mobile, normalize_national_id
from tariffs import TariffError, compute_bill, get_schedule

SUBSCRIBER_REQUIRED = ("subscription_number", "bill_id", "name", "phone", "schedule", "city",
                       "usage")
SUBSCRIBER_OPTIONAL = ("file_number", "national_id", "zone", "address", "units",
                       "non_residential_units", "diameter", "contract_capacity", "has_sewage",
                       "meter_status")
DIAMETERS = ("1/2", "3/4", "1", "1.5", "2", "3", "4")
# Upper bounds of whole numbers in a file: beyond them a value is a typing or export
# error (and past 2⁶³ the database could not even store it), so the row is rejected.
MAX_RIALS = 10**15  # a balance or an amount, in rials
MAX_READING = 10**12  # a meter reading, m³
MAX_COUNT = 100_000  # units, a zone
_YES = {"1", "yes", "true", "y", "بله", "دارد", "آری"}
_NO = {"", "0", "no", "false", "n", "خیر", "ندارد"}


class ImportFileError(ValueError):
    """The file cannot be imported at all (unreadable, wrong columns)."""


@dataclass
class ImportReport:
    """What an import did: rows read, imported, and rejected with reasons."""

    kind: str
    read: int = 0
    imported: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)
    skipped: int = 0  # rows already imported before (payments)

    @property
    def ok(self) -> bool:
        """Whether no row was rejected."""
        return not self.rejected

    def lines(self) -> list[str]:
        """The report as text lines (for staff; English, like the column names)."""
        skipped = f", {self.skipped} already imported" if self.skipped else ""
        out = [f"{self.kind}: {self.read} rows read, {self.imported} imported{skipped}, "
               f"{len(self.rejected)} rejected"]
        out += [f"  line {line}: {'; '.join(reasons)}" for line, reasons in self.rejected]
        return out


def read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...]
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a UTF-8 CSV with a header, read as they come (the file is
    never held whole); bad files raise ImportFileError, also half-way through."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            reader = csv.DictReader(text)
            header = [h.strip() for h in reader.fieldnames or []]
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:  # which of the two cells would count is a guess: refuse the file
                raise ImportFileError(f"{path}: columns given more than once: {twice}")
            missing = [c for c in required if c not in header]
            unknown = [c for c in header if c not in required and c not in optional]
            if missing or unknown:
                raise ImportFileError(f"{path}: missing columns {missing or '-'}; "
                                      f"unknown columns {unknown or '-'}")
            reader.fieldnames = header
            try:
                for row in reader:
                    if None in row:
                        raise ImportFileError(
                            f"{path}: line {reader.line_num}: more cells than columns")
                    yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
            except csv.Error as exc:
                raise ImportFileError(f"{path}: line {reader.line_num}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: cannot read as UTF-8 text: {exc}") from exc


def parse_subscriber_row(row: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Validate one subscriber row: (values for the store, reasons it is rejected)."""
    reasons: list[str] = []
    out: dict[str, Any] = {}

    def check(name: str, parse: Callable[[str], Any], message: str) -> None:
        try:
            value = parse(row.get(name, ""))
        except (IdentifierError, TariffError, ValueError, InvalidOperation) as exc:
            reasons.append(f"{name}: {message} ({exc})")
            return
        out[name] = value

    check("subscription_number", lambda v: parse_subscription(v).digits, "invalid")
    check("bill_id", lambda v: parse_bill_id(v).digits, "invalid water bill ID")
    out["name"] = normalize_text(row["name"])
    if not out["name"]:
        reasons.append("name: empty")
    out["phone"] = normalize_mobile(row["phone"])
    if out["phone"] is None:
        reasons.append(f"phone: not an Iranian mobile number ({row['phone']!r})")
    if row.get("national_id"):
        out["national_id"] = normalize_national_id(row["national_id"])
        if out["national_id"] is None:
            reasons.append("national_id: invalid check digit or length")
    out["file_number"] = row.get("file_number") or None
    out["address"] = normalize_text(row.get("address", "")) or None
    out["meter_status"] = normalize_text(row.get("meter_status", "")) or None
    reasons += _tariff_fields(row, out)
    return out, reasons


@functools.cache
def _schedule(schedule_id: str) -> Any:
    """A tariff schedule by id (looked up once per id and import process)."""
    return get_schedule(schedule_id)


def _tariff_fields(row: dict[str, str], out: dict[str, Any]) -> list[str]:
    reasons = []
    try:
        schedule = _schedule(row["schedule"])
    except TariffError:
        return [f"schedule: unknown schedule {row['schedule']!r}"]
    out["schedule"] = schedule.id
    if row["city"] not in schedule.cities:
        reasons.append(f"city: {row['city']!r} is not a city of {schedule.id}")
    out["city"] = row["city"]
    usage = schedule.usage_classes.get(row["usage"])
    if usage is None:
        reasons.append(f"usage: unknown usage class {row['usage']!r}")
    out["usage"] = row["usage"]
    zone = row.get("zone", "")
    out["zone"] = parse_int(zone) if zone else None
    if zone and (out["zone"] is None or out["zone"] > MAX_COUNT):
        reasons.append(f"zone: not a whole number up to {MAX_COUNT}")
    for name, default, low in (("units", 1, 1), ("non_residential_units", 0, 0)):
        raw = row.get(name, "")
        value = parse_int(raw) if raw else default
        if value is None or not low <= value <= MAX_COUNT:
            reasons.append(f"{name}: must be a whole number from {low} to {MAX_COUNT}")
        out[name] = value
    out["diameter"] = row.get("diameter") or "1/2"
    if out["diameter"] not in DIAMETERS:
        reasons.append(f"diameter: one of {', '.join(DIAMETERS)}")
    capacity = row.get("contract_capacity", "")
    try:
        out["contract_capacity"] = Decimal(capacity) if capacity else None
    except InvalidOperation:
        reasons.append("contract_capacity: not a number")
        out["contract_capacity"] = None
    if usage is not None and not usage.household and not out["contract_capacity"]:
        reasons.append("contract_capacity: required for non-household usage")
    sewage = row.get("has_sewage", "").lower()
    if sewage not in _YES | _NO:
        reasons.append("has_sewage: yes/no or 1/0")
    out["has_sewage"] = sewage in _YES
    return reasons


async def import_subscribers(store: Store, path: Path, accept_valid: bool = False
                             ) -> ImportReport:
    """Validate and import a subscribers CSV (see docs/import.md), in constant memory.

    The rows are read one by one and staged in batches (bot/store/imports.py): one with
    errors of its own is staged too, marked, so that a later line repeating its number is
    reported as a duplicate of it. Duplicates inside the file and numbers already on file
    are then found by set-based queries on the staging table. Only when the whole file
    passed (or `accept_valid`) are the rows copied into subscribers, a batch per short
    transaction; the staging rows are cleared in every case. A run killed while copying
    has imported a prefix of the file: running it again with `accept_valid` imports the
    rest (the rows already imported are reported as already on file)."""
    report = ImportReport("subscribers")
    run = uuid.uuid4().hex
    reasons_of: dict[int, list[str]] = {}
    batch: list[tuple[int, bool, dict[str, Any]]] = []
    try:
        for line, raw in read_csv(path, SUBSCRIBER_REQUIRED, SUBSCRIBER_OPTIONAL):
            report.read += 1
            values, reasons = parse_subscriber_row(raw)
            if reasons:
                reasons_of[line] = reasons
            batch.append((line, not reasons, values))
            if len(batch) >= STAGE_BATCH:
                await store.stage_subscribers(run, batch)
                batch = []
        if batch:
            await store.stage_subscribers(run, batch)
        for line, key, earlier in await store.staged_subscriber_problems(run):
            reasons_of.setdefault(line, []).append(
                f"{key}: duplicate of line {earlier}" if earlier else f"{key}: already on file")
        report.rejected = sorted(reasons_of.items())
        if report.rejected and not accept_valid:
            return report
        await store.reject_staged(run, [line for line, _ in report.rejected])
        report.imported = await store.copy_staged_subscribers(run)
    finally:
        await store.clear_staged(run)
    return report


BILL_REQUIRED = ("subscription_number", "year", "period", "prev_reading_date",
                 "curr_reading_date", "prev_reading", "curr_reading")
BILL_OPTIONAL = ("issue_date", "due_date", "meter_status", "previous_balance", "payable", "paid")


def _jalali(value: str, name: str, reasons: list[str]) -> jdatetime.date | None:
    day = parse_jalali(value)
    if day is None:
        reasons.append(f"{name}: not a Jalali date like 1404/08/28 ({value!r})")
    return day


def _whole(value: str, name: str, reasons: list[str], signed: bool = False,
           limit: int = MAX_READING) -> int | None:
    text = value.strip()
    negative = signed and text[:1] in {"-", "−"}
    number = parse_int(text[1:] if negative else text)
    if number is None:
        reasons.append(f"{name}: not a whole number ({value!r})")
        return None
    if number > limit:
        reasons.append(f"{name}: {len(str(number))} digits, more than this column can hold "
                       f"(at most {limit:,})")
        return None
    return -number if negative else number


async def import_bills(store: Any, path: Path, accept_valid: bool = False) -> ImportReport:
    """Validate, compute (tariff engine) and import a bills CSV (see docs/import.md).

    The bills, the "new bill" notices of their unpaid ones and any consumption alerts are
    written in one transaction, so a notice exists exactly when its bill does.

    Each bill continues the subscriber's chain: its rounding carry comes from the previous
    bill (on file or earlier in the same file). A `payable` column, when present, must
    equal what the engine computes, so a disagreement with the utility's own system is
    reported instead of stored.
    """
    report = ImportReport("bills")
    parsed: list[tuple[int, Subscriber, dict[str, Any]]] = []
    seen: dict[tuple[int, int, int], int] = {}
    for line, raw in read_csv(path, BILL_REQUIRED, BILL_OPTIONAL):
        report.read += 1
        reasons: list[str] = []
        values = _bill_values(raw, reasons)
        subscriber = None
        try:
            subscriber = await store.subscriber_by_number(
                parse_subscription(raw["subscription_number"]).digits)
            if subscriber is None:
                reasons.append("subscription_number: not on file (import subscribers first)")
        except IdentifierError as exc:
            reasons.append(f"subscription_number: invalid ({exc})")
        if subscriber is not None and not reasons:
            key = (subscriber.id, values["year"], values["period"])
            if key in seen:
                reasons.append(f"period: duplicate of line {seen[key]}")
            seen[key] = line
        if reasons or subscriber is None:
            report.rejected.append((line, reasons))
        else:
            parsed.append((line, subscriber, values))
    rows: list[tuple[Subscriber, dict[str, Any]]] = []
    chains: dict[int, tuple[int, int]] = {}
    for line, subscriber, values in sorted(parsed, key=lambda p: (p[1].id, p[2]["year"],
                                                                   p[2]["period"])):
        reasons = []
        row = await _bill_row(store, subscriber, values, chains, reasons)
        if reasons:
            report.rejected.append((line, reasons))
        else:
            rows.append((subscriber, row))
    report.rejected.sort()
    if report.rejected and not accept_valid:
        return report
    async with store.unit() as uow:
        ids = await uow.add_bills([row for _, row in rows])
        for bill_id, (subscriber, row) in zip(ids, rows, strict=True):
            if row["paid_at"] is not None and row["previous_balance"] > 0:
                await uow.settle_earlier_bills(subscriber.id, row["year"], row["period"],
                                               row["paid_at"])
            if row["paid_at"] is None:
                await notices.enqueue_new_bill(uow, subscriber.id, {**row, "id": bill_id})
            await notices.consumption_alert(uow, subscriber, row["consumption"], row["days"],
                                            ref=f"bill:{bill_id}")
    report.imported = len(ids)
    return report


def _bill_values(raw: dict[str, str], reasons: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "year": _whole(raw["year"], "year", reasons),
        "period": _whole(raw["period"], "period", reasons),
        "prev_reading_date": _jalali(raw["prev_reading_date"], "prev_reading_date", reasons),
        "curr_reading_date": _jalali(raw["curr_reading_date"], "curr_reading_date", reasons),
        "prev_reading": _whole(raw["prev_reading"], "prev_reading", reasons),
        "curr_reading": _whole(raw["curr_reading"], "curr_reading", reasons),
        "previous_balance": (_whole(raw["previous_balance"], "previous_balance", reasons,
                                    signed=True, limit=MAX_RIALS)
                             if raw.get("previous_balance") else None),
        "meter_status": normalize_text(raw.get("meter_status", "")) or None,
        "paid": (raw.get("paid") or "").lower() in _YES,
    }
    for name in ("issue_date", "due_date"):
        values[name] = _jalali(raw[name], name, reasons) if raw.get(name) else None
    values["payable"] = (_whole(raw["payable"], "payable", reasons, limit=MAX_RIALS)
                         if raw.get("payable") else None)
    if values["period"] is not None and not 1 <= values["period"] <= 6:
        reasons.append("period: must be 1 to 6")
    if values["year"] is not None and not 1300 <= values["year"] <= 1500:
        reasons.append("year: a Jalali year like 1404")
    start, end = values["prev_reading_date"], values["curr_reading_date"]
    if start and end and end <= start:
        reasons.append("curr_reading_date: must be after prev_reading_date")
    prev, curr = values["prev_reading"], values["curr_reading"]
    if prev is not None and curr is not None and curr < prev:
        reasons.append("curr_reading: lower than prev_reading (meter replaced? import the "
                       "replacement as a new reading chain)")
    return values


async def _bill_row(store: Any, subscriber: Subscriber, values: dict[str, Any],
                    chains: dict[int, tuple[int, int]], reasons: list[str]) -> dict[str, Any]:
    """The bill row, continuing the subscriber's chain: `chains` keeps (rounding carry,
    unpaid debt) after the previous bill. The previous debt is the file's when it gives
    one, else the unpaid amount of the earlier bills (on file and earlier in this file)."""
    if subscriber.id not in chains:
        existing = await store.bills(subscriber.id, limit=100)
        if any((b.year, b.period) == (values["year"], values["period"]) for b in existing):
            reasons.append("period: this subscriber already has a bill for it")
            return {}
        chains[subscriber.id] = (existing[0].carry_out if existing else 0,
                                 await store.unpaid_debt(subscriber.id, values["year"],
                                                         values["period"]))
    carry, debt = chains[subscriber.id]
    if values["previous_balance"] is None:
        values = {**values, "previous_balance": debt}
    try:
        result = compute_bill(bill_input(
            replace(subscriber, meter_status=values["meter_status"]),
            values["prev_reading_date"], values["curr_reading_date"], values["prev_reading"],
            values["curr_reading"], previous_carry=carry,
            previous_balance=values["previous_balance"]))
    except TariffError as exc:
        reasons.append(f"tariff: {exc}")
        return {}
    if values["payable"] is not None and values["payable"] != result.payable:
        reasons.append(f"payable: the file says {values['payable']}, the tariff gives "
                       f"{result.payable}")
        return {}
    end = values["curr_reading_date"]
    issue = values["issue_date"] or end + dt.timedelta(days=2)
    row = bill_row(
        replace(subscriber, meter_status=values["meter_status"]), result, year=values["year"],
        period=values["period"], issue_date=issue, prev_reading_date=values["prev_reading_date"],
        curr_reading_date=end, prev_reading=values["prev_reading"],
        curr_reading=values["curr_reading"], previous_balance=values["previous_balance"],
        carry_in=carry)
    if values["due_date"]:
        row["due_date"] = values["due_date"].togregorian()
    if values["paid"]:
        row["paid_at"] = dt.datetime.combine(row["due_date"], dt.time(9), dt.UTC)
    chains[subscriber.id] = (result.carry, 0 if values["paid"] else result.payable)
    return row


async def import_payments(store: Any, path: Path, accept_valid: bool = False) -> ImportReport:
    """Reconcile the banks' payments CSV (see docs/import.md and bot/payments/reconcile.py):
    each valid row marks its bill or invoice paid, with a receipt to the payer's chats and,
    for a request waiting for payment, the move to its next stage."""
    report = ImportReport("payments")
    rows = list(read_csv(path, reconcile.REQUIRED, ()))
    report.read = len(rows)
    outcome = await reconcile.apply(store, rows, accept_valid=accept_valid)
    report.imported, report.skipped = outcome.imported, outcome.skipped
    report.rejected = outcome.rejected
    return report
