"""The bot's persistent store: all SQL lives in this package and nowhere else.

Everything outside it calls the methods of `Store` (bot/store/interface.py) or a unit
of work (`store.unit()`, bot/store/unit.py). SQLite is the embedded default;
PostgreSQL is for more than one machine. `store_for(database)` picks the engine from
the database setting: a `postgresql://` URL, or else the path of a SQLite file.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.interface import Store
from bot.store.sqlite import SqliteStore
from bot.store.unit import Unit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(database: str | Path) -> bool:
    """Whether a database setting names a PostgreSQL server."""
    return str(database).startswith(POSTGRES_SCHEMES)


def store_for(database: str | Path) -> Store:
    """The (unopened) store for a database setting."""
    if is_postgres(database):
        from bot.store.postgresql import PostgresStore

        return PostgresStore(str(database))
    return SqliteStore(database)


async def open_store(database: str | Path) -> Store:
    """The store for a database setting, connected and migrated."""
    return await store_for(database).open()


__all__ = ["SqliteStore", "Store", "Unit", "is_postgres", "open_store", "store_for"]
