"""PTB persistence in the bot's own store (either engine).

`user_data`, `chat_data`, `bot_data`, callback data and the state of every named,
persistent ConversationHandler are pickled into the store's PTB tables
(bot/store/ptb_state.py). PTB hands over the changed entries one by one; they are
buffered and `commit()` writes them all in ONE transaction. The application
(bot.app.AbfaApplication) commits after every update, so a kill -9 loses at most the
update being handled.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.store.interface import Store

_PICKLE = pickle.HIGHEST_PROTOCOL
_EMPTY = pickle.dumps({}, _PICKLE)  # rows written before empty dicts were deleted


class StorePersistence(BasePersistence[dict, dict, dict]):
    """BasePersistence over the store's PTB tables."""

    def __init__(self, store: Store) -> None:
        super().__init__(store_data=PersistenceInput(), update_interval=60)
        self.store = store
        self._last_bot_data: bytes | None = None
        # (kind, key) -> the pickled value to write, or None to delete it; the last change wins
        self._pending: dict[tuple[str, tuple[Any, ...]], bytes | None] = {}
        # one commit at a time, so a failed one can be re-queued without overtaking a newer
        self._commit_lock = asyncio.Lock()

    async def _rows(self, kind: str, name: str | None = None) -> list[tuple[Any, bytes]]:
        await self.store.open()
        return await self.store.ptb_rows(kind, name, skip=_EMPTY)

    async def _load_map(self, kind: str) -> dict[int, Any]:
        return {int(key): pickle.loads(data) for key, data in await self._rows(kind)}

    def _buffer_dict(self, kind: str, key: int, data: dict) -> None:
        """Buffer a user's or chat's data; an empty one is a deletion, so the users with no
        data are neither stored nor loaded at start-up (issue 16, item 5): PTB gives each of
        them a fresh empty dict when they write again."""
        self._pending[(kind, (key,))] = pickle.dumps(data, _PICKLE) if data else None

    async def _load_single(self, kind: str) -> Any:
        rows = await self._rows(kind)
        return pickle.loads(rows[0][1]) if rows else None

    async def get_user_data(self) -> dict[int, dict]:
        """All stored, non-empty user_data."""
        return await self._load_map("user_data")

    async def get_chat_data(self) -> dict[int, dict]:
        """All stored, non-empty chat_data."""
        return await self._load_map("chat_data")

    async def get_bot_data(self) -> dict:
        """The stored bot_data (remembered, so an unchanged one is never rewritten)."""
        data = await self._load_single("bot_data") or {}
        self._last_bot_data = pickle.dumps(data, _PICKLE)
        return data

    async def get_callback_data(self) -> Any:
        """The stored callback data cache, if any."""
        return await self._load_single("callback_data")

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one named conversation."""
        rows = await self._rows("conversations", name)
        return {tuple(json.loads(key)): pickle.loads(state) for key, state in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Buffer the state of one conversation (None: the conversation ended)."""
        self._pending[("conversations", (name, json.dumps(list(key))))] = (
            None if new_state is None else pickle.dumps(new_state, _PICKLE))

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Buffer one user's user_data."""
        self._buffer_dict("user_data", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Buffer one chat's chat_data."""
        self._buffer_dict("chat_data", chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        """Buffer bot_data when it changed since the last write."""
        blob = pickle.dumps(data, _PICKLE)
        if blob != self._last_bot_data:
            self._pending[("bot_data", (1,))] = blob
            self._last_bot_data = blob

    async def update_callback_data(self, data: Any) -> None:
        """Buffer the callback data cache."""
        self._pending[("callback_data", (1,))] = pickle.dumps(deepcopy(data), _PICKLE)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget one chat's chat_data."""
        self._pending[("chat_data", (chat_id,))] = None

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's user_data."""
        self._pending[("user_data", (user_id,))] = None

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def commit(self) -> None:
        """Write every buffered change in one transaction."""
        async with self._commit_lock:
            await self._commit()

    async def _commit(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            await self.store.save_ptb_state(
                (kind, key, value) for (kind, key), value in pending.items())
        except BaseException:
            for item, value in pending.items():  # keep what failed for the next commit
                self._pending.setdefault(item, value)
            raise

    async def flush(self) -> None:
        """Write what is still buffered (PTB calls this at shutdown)."""
        await self.commit()
