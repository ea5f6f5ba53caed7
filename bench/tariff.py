"""Tariff engine speed: full bills computed per second on one core.

The inputs are the demo data's (bot.tools.demo_data: East Azarbaijan subscribers of every usage
class, real bi-monthly periods, readings, carries and balances), built before the clock
starts. The digest (SHA-256 of every bill's lines, total, payable and carry) proves that a
speed change of the engine left every result as it was: compare it before and after.

    .venv/bin/python -m bench.tariff --bills 20000
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import platform
import random
import time

from bot.billing.billing import bill_input
from bot.billing.periods import last_read_period, periods_until
from bot.store.models import Subscriber
from bot.tools.demo_data import monthly_use, subscriber_rows
from tariffs import BillInput, compute_bill

FIELDS = {f.name for f in dataclasses.fields(Subscriber)}


def inputs(count: int, seed: int = 1398) -> list[BillInput]:
    """`count` engine inputs: 12 consecutive periods per generated subscriber."""
    rng = random.Random(seed)
    span = periods_until(last_read_period(dt.date(2025, 11, 1)), 12)
    out: list[BillInput] = []
    for n, row in enumerate(subscriber_rows(count // len(span) + 1, rng)):
        values = {k: v for k, v in row.items() if k in FIELDS}
        subscriber = Subscriber(**{**{f: None for f in FIELDS}, **values, "id": n + 1})
        base = rng.lognormvariate(2.6, 0.35)
        reading, carry = rng.randint(0, 3000), 0
        for period in span:
            use = monthly_use(rng, subscriber, period, base)
            out.append(bill_input(subscriber, period.previous().read_on, period.read_on,
                                  reading, reading + use, previous_carry=carry,
                                  previous_balance=rng.choice((0, 0, 0, 250_000))))
            reading += use
            carry = rng.randrange(-999, 1000)
    return out[:count]


def run(count: int) -> dict[str, object]:
    """Compute `count` bills; return the rate and the digest of the results."""
    bills = inputs(count)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for inp in bills:
        result = compute_bill(inp)
        digest.update(repr((result.lines, result.total, result.payable, result.carry,
                            result.allowed, result.hot_days)).encode())
    elapsed = time.perf_counter() - started
    return {"bills": count, "seconds": round(elapsed, 3),
            "bills_per_second": round(count / elapsed), "digest": digest.hexdigest()[:16],
            "python": platform.python_version()}


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=20000)
    args = parser.parse_args()
    for key, value in run(args.bills).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
