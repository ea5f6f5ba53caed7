"""Demo data: subscribers in East Azarbaijan cities, two years of bills, readings, requests.

Everything is generated from a seed (reproducible) with valid identifiers, and every bill
is computed by the real tariff engine (bot.billing.billing), carrying the rounding remainder and
any unpaid amount from one period to the next (a bill that carried a debt and is paid settles
the bills it carried). Work is done in batches, so the same
generator fills the 1,000,000-subscriber database of bench/.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.billing.billing import bill_input, bill_row
from bot.billing.periods import Period, last_read_period, periods_until
from bot.domain.identifiers import BillId, SubscriptionNumber
from bot.services import catalog
from bot.services.catalog import FieldSpec
from bot.store.interface import Store
from bot.store.models import Subscriber
from bot.store.request_models import NewDocument, NewRequest
from bot.text import fmt
from tariffs import compute_bill

SCHEDULE = "east-azarbaijan-urban-1398"
# (city id, county code of the subscription number, weight, zones)
CITIES = (
    ("tabriz", "11", 50, tuple(range(1, 11))), ("maragheh", "12", 8, ()),
    ("marand", "13", 6, ()), ("mianeh", "14", 6, ()), ("ahar", "15", 5, ()),
    ("bonab", "16", 5, ()), ("sarab", "17", 4, ()), ("azarshahr", "18", 4, ()),
    ("shabestar", "19", 4, ()), ("ajabshir", "20", 4, ()), ("khosroshah", "21", 4, ()),
)
FIRST_NAMES = ("علی", "محمد", "رضا", "حسین", "مهدی", "زهرا", "فاطمه", "مریم", "سارا", "نرگس",
               "یوسف", "آیدین", "آیسان", "ترانه", "جواد", "لیلا", "صمد", "پروین", "ناصر", "شهلا")
LAST_NAMES = ("رضایی", "محمدی", "حسینی", "تبریزی", "قاسمی", "نوری", "اصغری", "جعفری", "باقری",
              "مرندی", "میانجی", "اهری", "صادقی", "کریمی", "عباسی", "یوسفی", "رحیمی", "شریفی")
STREETS = ("امام", "آزادی", "شهید بهشتی", "ولیعصر", "طالقانی", "شریعتی", "منصور", "ارتش",
           "جمهوری", "فردوسی", "۱۷ شهریور", "راه‌آهن")
# (usage class, weight, contract capacity m³/month)
USAGES = (("household", 86, None), ("commercial", 8, Decimal(10)), ("public", 2, Decimal(60)),
          ("education", 2, Decimal(40)), ("industrial", 1, Decimal(150)),
          ("construction", 1, Decimal(20)))
HOT_MONTHS = {3, 4, 5, 6, 8}
BATCH = 2000


DEMO_CHAT = 100200300  # the console demo's user (bot/tools/console.py)
REQUEST_EVERY = 100  # one open request per this many subscribers


@dataclass(frozen=True)
class Summary:
    """What a generation run created."""

    subscribers: int
    bills: int
    requests: int = 0

    def __str__(self) -> str:
        return f"{self.subscribers} subscribers, {self.bills} bills, {self.requests} requests"


def subscriber_rows(size: int, rng: random.Random, start_serial: int = 1
                    ) -> Iterator[dict[str, Any]]:
    """Subscriber rows with valid subscription numbers and bill IDs."""
    cities, weights = CITIES, [c[2] for c in CITIES]
    usages, usage_weights = USAGES, [u[1] for u in USAGES]
    for serial in range(start_serial, start_serial + size):
        city, county, _, zones = rng.choices(cities, weights)[0]
        usage, _, capacity = rng.choices(usages, usage_weights)[0]
        household = usage == "household"
        number = SubscriptionNumber.build(county, f"{serial % 9000 + 1:04d}", f"{serial:07d}")
        yield {
            "subscription_number": number.digits,
            "file_number": str(100000 + serial),
            "bill_id": BillId.build(f"{county}{serial:08d}").digits,
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "national_id": None,
            "phone": f"0914{rng.randrange(10**7):07d}",
            "schedule": SCHEDULE,
            "city": city,
            "zone": rng.choice(zones) if zones else None,
            "address": (f"خیابان {rng.choice(STREETS)}، کوچه {rng.randint(1, 40)}، "
                        f"پلاک {rng.randint(1, 200)}"),
            "usage": usage,
            "units": rng.choices((1, 2, 3, 4, 6), (60, 20, 10, 6, 4))[0] if household else 1,
            "non_residential_units": 0 if household else 1,
            "diameter": rng.choices(("1/2", "3/4", "1"), (85, 12, 3))[0],
            "contract_capacity": capacity,
            "has_sewage": rng.random() < 0.8,
            "meter_status": None,
        }


def monthly_use(rng: random.Random, subscriber: Subscriber, period: Period, base: float) -> int:
    """A plausible period use (m³): the subscriber's base, a hot-month bump, some noise."""
    months = {2 * period.period - 1, 2 * period.period}
    season = 1.25 if months & HOT_MONTHS else 1.0
    per_unit = base * season * rng.uniform(0.85, 1.15)
    return max(0, round(per_unit * 2 * subscriber.units))


def bills_for(subscriber: Subscriber, periods: list[Period], rng: random.Random
              ) -> tuple[list[dict[str, Any]], list[tuple[dt.date, int]]]:
    """Bill rows and readings of one subscriber over consecutive periods."""
    capacity = float(subscriber.contract_capacity or 0)
    base = capacity * rng.uniform(0.5, 1.3) if capacity else rng.lognormvariate(2.6, 0.35)
    reading = rng.randint(0, 3000)
    carry, balance = 0, 0
    rows, readings = [], []
    for index, period in enumerate(periods):
        start, end = period.previous().read_on, period.read_on
        use = monthly_use(rng, subscriber, period, base)
        result = compute_bill(bill_input(subscriber, start, end, reading, reading + use,
                                         previous_carry=carry, previous_balance=balance))
        row = bill_row(subscriber, result, year=period.year, period=period.period,
                       issue_date=end + dt.timedelta(days=2), prev_reading_date=start,
                       curr_reading_date=end, prev_reading=reading, curr_reading=reading + use,
                       previous_balance=balance, carry_in=carry)
        is_last = index == len(periods) - 1
        paid = not is_last and rng.random() < 0.9
        if paid:
            row["paid_at"] = dt.datetime.combine(row["due_date"], dt.time(9), dt.UTC)
            for earlier in rows:  # paying a bill that carried the debt settles those bills
                if balance and earlier["paid_at"] is None:
                    earlier["paid_at"] = row["paid_at"]
        rows.append(row)
        readings.append((end.togregorian(), reading + use))
        reading += use
        carry, balance = result.carry, 0 if paid else result.payable
    return rows, readings


async def generate(store: Store, size: int, seed: int = 1398, periods: int = 12,
                   today: dt.date | None = None) -> Summary:
    """Create `size` subscribers with `periods` bills each, in batches."""
    rng = random.Random(seed)
    last = last_read_period(today or fmt.tehran_today())
    span = periods_until(last, periods)
    start = await store.subscribers_count() + 1
    bills = 0
    rows = subscriber_rows(size, rng, start)
    for offset in range(0, size, BATCH):
        batch = [next(rows) for _ in range(min(BATCH, size - offset))]
        await store.add_subscribers(batch)
        bill_rows, reading_rows = [], []
        for row in batch:
            subscriber = await store.subscriber_by_number(row["subscription_number"])
            assert subscriber is not None
            sub_bills, sub_readings = bills_for(subscriber, span, rng)
            bill_rows += sub_bills
            reading_rows += [(subscriber.id, day, value) for day, value in sub_readings]
        await store.add_bills(bill_rows)
        await store.add_readings(reading_rows, source="reader")
        bills += len(bill_rows)
    requests = await open_requests(store, size // REQUEST_EVERY, rng)
    return Summary(size, bills, requests)


def _answer(spec: FieldSpec, subscriber: Subscriber) -> str:
    if spec.kind == "choice":
        return spec.options[0].id
    if spec.kind == "number":
        return str(max(spec.min or 1, 1))
    if spec.kind == "mobile":
        return subscriber.phone or "09140000000"
    if spec.kind == "city":
        return subscriber.city
    if spec.kind == "national_id":
        return "0012345679"
    return "درخواست نمایشی"


async def open_requests(store: Store, count: int, rng: random.Random) -> int:
    """Open requests of existing subscribers (the first one is the demo user's)."""
    services = [s for s in catalog.services() if s.who == "subscriber"]
    made = 0
    for index in range(count):
        subscriber = await store.subscriber(index + 1 if index == 0 else
                                            rng.randint(1, await store.subscribers_count()))
        if subscriber is None:
            break
        svc = catalog.service("meter_test") if index == 0 else rng.choice(services)
        chat = DEMO_CHAT if index == 0 else 5_000_000 + subscriber.id
        documents = tuple(
            NewDocument(doc.id, "photo", f"demo-{index}-{doc.id}", f"u-{index}-{doc.id}",
                        mime_type="image/jpeg", size=120_000)
            for doc in svc.documents if doc.required)
        await store.create_request(NewRequest(
            kind="service", service=svc.id, chat_id=chat, user_id=chat, stage=svc.first_stage.id,
            subscriber_id=subscriber.id, city=subscriber.city,
            fields={f.id: _answer(f, subscriber) for f in svc.fields}, documents=documents))
        made += 1
    return made


async def ensure_demo_data(store: Store, size: int) -> Summary | None:
    """Fill an empty demo database; leave one that has data alone."""
    if await store.subscribers_count():
        return None
    return await generate(store, size)
