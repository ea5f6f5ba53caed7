"""Places (cities, counties) of the tariff schedules: pages of them, search by typed name,
suggestions for a misspelt one, and an area (a place and one of its zones) as typed."""

from __future__ import annotations

import difflib
import re
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


def suggest_places(query: str, schedule_id: str, limit: int = 4) -> list[Place]:
    """Places whose name is like what the user typed (containment or a near spelling)."""
    found = find_places(query, schedule_id)
    if len(found) < limit:
        names = {_key(p.name): p for p in places(schedule_id)}
        for key in difflib.get_close_matches(_key(query), list(names), n=limit, cutoff=0.6):
            if names[key] not in found:
                found.append(names[key])
    return found[:limit]


@dataclass(frozen=True)
class Area:
    """A place, and one of its zones or None for all of it."""

    place: Place
    zone: int | None


class AreaError(ValueError):
    """A typed area could not be read: `code` is unknown (with `suggestions`) or zone (the
    place has no such zone; `zones` lists its zones, empty when it has none)."""

    def __init__(self, code: str, suggestions: list[Place] | None = None,
                 zones: tuple[int, ...] = ()) -> None:
        super().__init__(code)
        self.code, self.suggestions, self.zones = code, suggestions or [], zones


_AREA = re.compile(r"^(?P<name>.+?)(?:\s*[:：]\s*|\s+منطقه\s*|\s+)(?P<zone>\d{1,2})$")


def zones_of(place: Place) -> tuple[int, ...]:
    """The zones of a place (e.g. Tabriz's ten), empty when it has none."""
    return tuple(get_schedule(place.schedule).cities[place.city].zones or ())


def find_area(text: str, schedule_id: str) -> Area:
    """A place of the schedule by its Persian name or id, with an optional zone: «تبریز»,
    «تبریز ۲», «تبریز منطقه ۲», «تبریز:۲», «tabriz:2». AreaError when it is not one."""
    clean = normalize_text(text)
    match = _AREA.match(clean)
    name, zone = (match["name"], int(match["zone"])) if match else (clean, None)
    cities = get_schedule(schedule_id).cities
    if name.strip().lower() in cities:
        found = place(schedule_id, name.strip().lower())
    else:
        exact = [p for p in find_places(name, schedule_id)
                 if _key(name) in {_key(p.name), _key(cities[p.city].seed_name or "")}]
        found = exact[0] if len(exact) == 1 else None
    if found is None:
        raise AreaError("unknown", suggest_places(name, schedule_id))
    if zone is not None and zone not in zones_of(found):
        raise AreaError("zone", [found], zones_of(found))
    return Area(found, zone)
