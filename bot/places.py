"""Places (cities, counties) of the tariff schedules: pages of them and search by typed name."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text.normalise import normalize_text
from tariffs import get_schedule, list_schedules

PAGE_SIZE = 12
MIN_QUERY = 2


@dataclass(frozen=True)
class Place:
    """A city or county of one schedule."""

    schedule: str
    city: str
    name: str


def places(schedule_id: str) -> list[Place]:
    """Every place of a schedule, in the schedule's order."""
    cities = get_schedule(schedule_id).cities
    return [Place(schedule_id, key, city.name) for key, city in cities.items()]


def place(schedule_id: str, city: str) -> Place | None:
    """One place, or None when the schedule has no such city."""
    return next((p for p in places(schedule_id) if p.city == city), None)


def page(items: list[Place], number: int, size: int = PAGE_SIZE) -> tuple[list[Place], int, int]:
    """The items of page `number` (0-based, clamped), that number and the page count."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return items[number * size:(number + 1) * size], number, pages


def _key(text: str) -> str:
    """A name reduced for matching: Persian letters, no spaces or ZWNJ, آ as ا."""
    return normalize_text(text).replace("\u200c", "").replace(" ", "").replace("آ", "ا")


def find_places(query: str, schedule_id: str | None = None) -> list[Place]:
    """Places whose name (or the seed's spelling) matches what the user typed.

    Exact matches win; otherwise every place whose name contains the text or is contained
    in it ("شهرستان مبارکه" finds مبارکه). Fewer than two letters match nothing.
    """
    wanted = _key(query)
    if len(wanted) < MIN_QUERY:
        return []
    ids = [schedule_id] if schedule_id else [s.id for s in list_schedules()]
    exact, partial = [], []
    for sid in ids:
        for key, city in get_schedule(sid).cities.items():
            names = [_key(n) for n in (city.name, city.seed_name) if n]
            found = Place(sid, key, city.name)
            if wanted in names:
                exact.append(found)
            elif any(wanted in n or (len(n) >= MIN_QUERY and n in wanted) for n in names):
                partial.append(found)
    return exact or partial
