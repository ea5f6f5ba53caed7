"""The bot's persistent store.

Handlers only call the methods of `Store` (see bot/store/interface.py); SQLite is the
one backend today, and a PostgreSQL backend would implement the same interface.
"""

from bot.store.interface import Store
from bot.store.sqlite import SqliteStore

__all__ = ["SqliteStore", "Store"]
