"""Rows of the core tables as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Chat:
    """A private chat with one user (chat id equals user id on both platforms)."""

    chat_id: int
    user_id: int | None
    first_name: str | None
    phone: str | None
    phone_verified_at: dt.datetime | None
    blocked: bool

    @classmethod
    def from_row(cls, row: Any) -> Chat:
        """Build from a database row."""
        return cls(
            row["chat_id"], row["user_id"], row["first_name"], row["phone"],
            _moment(row["phone_verified_at"]), bool(row["blocked"]),
        )


@dataclass(frozen=True)
class Subscriber:
    """A subscription (اشتراک) and its data on file."""

    id: int
    subscription_number: str
    file_number: str | None
    bill_id: str
    name: str
    national_id: str | None
    phone: str | None
    schedule: str
    city: str
    zone: int | None
    address: str | None
    usage: str
    units: int
    non_residential_units: int
    diameter: str
    contract_capacity: Decimal | None
    has_sewage: bool
    meter_status: str | None

    @classmethod
    def from_row(cls, row: Any) -> Subscriber:
        """Build from a database row."""
        capacity = row["contract_capacity"]
        return cls(
            row["id"], row["subscription_number"], row["file_number"], row["bill_id"],
            row["name"], row["national_id"], row["phone"], row["schedule"], row["city"],
            row["zone"], row["address"], row["usage"], row["units"],
            row["non_residential_units"], row["diameter"],
            Decimal(capacity) if capacity is not None else None,
            bool(row["has_sewage"]), row["meter_status"],
        )


BILL_VOLUME_FIELDS = ("consumption", "average_daily", "allowed", "excess_use")


@dataclass(frozen=True)
class Bill:
    """One issued bill with every item of domain.md section 5."""

    id: int
    subscriber_id: int
    year: int
    period: int
    issue_date: dt.date
    bill_id: str
    payment_id: str
    usage: str
    units: int
    non_residential_units: int
    diameter: str
    meter_status: str | None
    prev_reading_date: dt.date
    curr_reading_date: dt.date
    prev_reading: int
    curr_reading: int
    days: int
    consumption: Decimal
    average_daily: Decimal
    allowed: Decimal
    excess_use: Decimal
    fixed_fee: int
    water_charge: int
    sewage_fee: int
    tax: int
    excess_charge: int
    supply_project: int
    total: int
    previous_balance: int
    carry_in: int
    carry_out: int
    cost_price_per_m3: int
    subsidy: int
    payable: int
    due_date: dt.date
    paid_at: dt.datetime | None
    payment_ref: str | None  # the bank's or Bale's reference of the payment, when known
    lines: tuple[tuple[str, int], ...]

    @classmethod
    def from_row(cls, row: Any) -> Bill:
        """Build from a database row (columns that are not fields are left out)."""
        names = {f.name for f in fields(cls)}
        values = {key: row[key] for key in row.keys() if key in names}
        for key in ("issue_date", "prev_reading_date", "curr_reading_date", "due_date"):
            values[key] = _date(values[key])
        for key in BILL_VOLUME_FIELDS:
            values[key] = Decimal(values[key])
        values["paid_at"] = _moment(values["paid_at"])
        values["lines"] = tuple((code, int(amount)) for code, amount in json.loads(row["lines_json"]))
        return cls(**values)

    @property
    def payable_now(self) -> bool:
        """Unpaid and with something to pay (a payment ID)."""
        return self.paid_at is None and bool(self.payment_id)


@dataclass(frozen=True)
class Reading:
    """A meter reading: by the utility's reader, self-declared, or imported."""

    id: int
    subscriber_id: int
    read_on: dt.date
    reading: int
    source: str
    photo_file_id: str | None

    @classmethod
    def from_row(cls, row: Any) -> Reading:
        """Build from a database row."""
        return cls(
            row["id"], row["subscriber_id"], _date(row["read_on"]), row["reading"],
            row["source"], row["photo_file_id"],
        )


@dataclass(frozen=True)
class Link:
    """A subscription linked to a chat, with the user's nickname for it, and how its
    ownership was proven (`phone` or `bill`; None while unverified)."""

    chat_id: int
    subscriber: Subscriber
    nickname: str
    verified: bool
    proof: str | None = None
