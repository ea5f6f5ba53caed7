"""The bot's persistent store: all SQL lives in this package and nowhere else.

Everything outside it calls the methods of `Store` (bot/store/interface.py) or a unit
of work (`store.unit()`, bot/store/unit.py). SQLite is the one engine today.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.interface import Store
from bot.store.sqlite import SqliteStore
from bot.store.unit import Unit


def store_for(database: str | Path) -> Store:
    """The (unopened) store for a database setting."""
    return SqliteStore(database)


async def open_store(database: str | Path) -> Store:
    """The store for a database setting, connected and migrated."""
    return await store_for(database).open()


__all__ = ["SqliteStore", "Store", "Unit", "open_store", "store_for"]
