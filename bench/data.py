"""Data volume: time to generate 1,000,000 subscribers with their bills, and to import them.

Two measurements, each on its own database under bench/out/ (git-ignored):

* generate: `bot.tools.demo_data.generate` (every bill computed by the tariff engine, inserted
  in batches of 2,000). The first `--full` subscribers get two years of bills (12
  bi-monthly periods), the rest `--periods` periods, because 12 million engine-computed
  bills take hours on two cores (docs/performance.md gives the figures). This database
  is the one bench/inbound.py reads (`--database`).
* import: the same kind of subscribers written to a CSV file and imported by
  `python -m bot import subscribers` (bot.tools.importer: parse, validate, one transaction)
  into an empty database.

    .venv/bin/python -m bench.data --size 1000000 --full 50000 --periods 2
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import time
from pathlib import Path

from bot.store import SqliteStore
from bot.tools.demo_data import generate, subscriber_rows
from bot.tools.importer import import_subscribers

OUT = Path(__file__).with_name("out")
DATABASE = OUT / "bench.sqlite3"
CSV_COLUMNS = ("subscription_number", "bill_id", "name", "phone", "schedule", "city", "usage",
               "zone", "units", "non_residential_units", "diameter", "contract_capacity",
               "has_sewage", "file_number", "address")


async def build(path: Path, size: int, full: int, periods: int) -> dict[str, float]:
    """Generate the bench database; return the timings."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = await SqliteStore(path).open()
    try:
        started = time.perf_counter()
        first = await generate(store, full, seed=1398, periods=12)
        middle = time.perf_counter()
        rest = await generate(store, size - full, seed=1399, periods=periods)
        ended = time.perf_counter()
    finally:
        await store.close()
    return {"subscribers": size, "bills": first.bills + rest.bills,
            "full_subscribers": full, "full_seconds": round(middle - started, 1),
            "rest_periods": periods, "rest_seconds": round(ended - middle, 1),
            "generate_seconds": round(ended - started, 1),
            "bills_per_second": round((first.bills + rest.bills) / (ended - started)),
            "database_mb": round(path.stat().st_size / 2**20)}


def write_csv(path: Path, size: int) -> None:
    """A subscribers export of `size` rows in the documented format (docs/import.md)."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in subscriber_rows(size, rng):
            values = {**row, "has_sewage": "1" if row["has_sewage"] else "0"}
            writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])


def _rows_in(path: Path) -> int:
    """Data rows of a CSV written by write_csv (one line each)."""
    with path.open("rb") as lines:
        return sum(1 for _ in lines) - 1


async def import_run(folder: Path, size: int, reuse_csv: bool = False) -> dict[str, float]:
    """Write the CSV (or reuse the one there, `reuse_csv`), import it into an empty
    database; return the timings."""
    csv_path, db_path = folder / "subscribers.csv", folder / "import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    if not reuse_csv or not csv_path.exists() or _rows_in(csv_path) != size:
        write_csv(csv_path, size)
    written = time.perf_counter()
    store = await SqliteStore(db_path).open()
    try:
        report = await import_subscribers(store, csv_path)
        imported = time.perf_counter()
        count = await store.subscribers_count()
    finally:
        await store.close()
    assert report.ok and count == size, report.lines()[:5]
    return {"import_rows": size, "csv_seconds": round(written - started, 1),
            "import_seconds": round(imported - written, 1),
            "import_rows_per_second": round(size / (imported - written)),
            "load_average": os.getloadavg()[0],
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    """Run the chosen phases."""
    OUT.mkdir(exist_ok=True)
    figures: dict[str, float] = {}
    if not args.skip_generate:
        figures |= await build(args.database, args.size, args.full, args.periods)
    if not args.skip_import:
        figures |= await import_run(OUT, args.import_size or args.size, args.reuse_csv)
    return figures


def main() -> None:
    """Print the figures and save them in bench/out/data.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--full", type=int, default=50_000,
                        help="subscribers with two years (12 periods) of bills")
    parser.add_argument("--periods", type=int, default=2, help="periods of the others")
    parser.add_argument("--database", type=Path, default=DATABASE)
    parser.add_argument("--import-size", type=int, default=None)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--reuse-csv", action="store_true",
                        help="import bench/out/subscribers.csv again if it has --import-size rows")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    (OUT / "data.json").write_text(json.dumps(figures, indent=2))
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
