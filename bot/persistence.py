"""PTB persistence on the bot's own SQLite database.

`user_data`, `chat_data`, `bot_data`, callback data and the state of every named,
persistent ConversationHandler are pickled into the `ptb_*` tables. The application
(bot.app.AbfaApplication) flushes after every update, so a kill -9 loses at most the
update being handled.
"""

from __future__ import annotations

import json
import pickle
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.store.db import Database

_PICKLE = pickle.HIGHEST_PROTOCOL


class SqlitePersistence(BasePersistence[dict, dict, dict]):
    """BasePersistence over the `ptb_*` tables of the store's database."""

    def __init__(self, db: Database) -> None:
        super().__init__(store_data=PersistenceInput(), update_interval=60)
        self.db = db
        self._last_bot_data: bytes | None = None

    async def _load_map(self, table: str, key: str) -> dict[int, Any]:
        await self.db.open()
        async with self.db.reader.execute(f"SELECT {key}, data FROM {table}") as cur:
            return {int(row[0]): pickle.loads(row[1]) for row in await cur.fetchall()}

    async def _load_single(self, table: str) -> Any:
        await self.db.open()
        async with self.db.reader.execute(f"SELECT data FROM {table} WHERE id=1") as cur:
            row = await cur.fetchone()
        return pickle.loads(row[0]) if row else None

    async def _save(self, table: str, key: str, ident: int, data: Any) -> None:
        blob = pickle.dumps(data, _PICKLE)
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO {table} ({key}, data) VALUES (?, ?) "
                f"ON CONFLICT({key}) DO UPDATE SET data=excluded.data",
                (ident, blob),
            )

    async def get_user_data(self) -> dict[int, dict]:
        """All stored user_data."""
        return await self._load_map("ptb_user_data", "user_id")

    async def get_chat_data(self) -> dict[int, dict]:
        """All stored chat_data."""
        return await self._load_map("ptb_chat_data", "chat_id")

    async def get_bot_data(self) -> dict:
        """The stored bot_data."""
        return await self._load_single("ptb_bot_data") or {}

    async def get_callback_data(self) -> Any:
        """The stored callback data cache, if any."""
        return await self._load_single("ptb_callback_data")

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one named conversation."""
        await self.db.open()
        sql = "SELECT key, state FROM ptb_conversations WHERE name=?"
        async with self.db.reader.execute(sql, (name,)) as cur:
            rows = await cur.fetchall()
        return {tuple(json.loads(row[0])): pickle.loads(row[1]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store (or, for None, forget) the state of one conversation."""
        encoded = json.dumps(list(key))
        async with self.db.transaction() as conn:
            if new_state is None:
                await conn.execute(
                    "DELETE FROM ptb_conversations WHERE name=? AND key=?", (name, encoded)
                )
            else:
                await conn.execute(
                    "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                    "ON CONFLICT(name, key) DO UPDATE SET state=excluded.state",
                    (name, encoded, pickle.dumps(new_state, _PICKLE)),
                )

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Store one user's user_data."""
        await self._save("ptb_user_data", "user_id", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Store one chat's chat_data."""
        await self._save("ptb_chat_data", "chat_id", chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        """Store bot_data when it changed since the last write."""
        blob = pickle.dumps(data, _PICKLE)
        if blob != self._last_bot_data:
            await self._save("ptb_bot_data", "id", 1, data)
            self._last_bot_data = blob

    async def update_callback_data(self, data: Any) -> None:
        """Store the callback data cache."""
        await self._save("ptb_callback_data", "id", 1, deepcopy(data))

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget one chat's chat_data."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM ptb_chat_data WHERE chat_id=?", (chat_id,))

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's user_data."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM ptb_user_data WHERE user_id=?", (user_id,))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def flush(self) -> None:
        """Every write is committed at once; nothing is buffered."""
