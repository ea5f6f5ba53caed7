"""PTB persistence in the bot's own store (either engine).

`user_data`, `chat_data`, `bot_data`, callback data and the state of every named,
persistent ConversationHandler are pickled into the store's PTB tables
(bot/store/ptb_state.py). PTB hands over the changed entries one by one; they are
buffered and `commit()` writes them all in ONE transaction. The application
(bot.runtime.app.AbfaApplication) commits after every update, so a kill -9 loses at most the
update being handled.

Update boundaries: while an update of a user or chat is being handled, its entries
(user_data, chat_data, and the conversations keyed by it) are `hold()`-en: PTB may hand
them over mid-handler (its task wrapper marks the user again after the update's own
flush, and any other chat's flush then collects it), but they are written only once no
update of theirs is in progress. So the saved conversation state and user data are
always from the same moment between two updates.

Unreadable rows: a row that cannot be unpickled (or is not what PTB expects) is moved
to `ptb_quarantine` (bot/store/quarantine.py) with the error, logged, and skipped, so the
bot starts anyway; `lost` names the users and chats whose state was dropped until they
have been told (handlers/recovery.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from collections import Counter
from collections.abc import Collection, Iterable
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.store.interface import Store

log = logging.getLogger(__name__)
_PICKLE = pickle.HIGHEST_PROTOCOL
_EMPTY = pickle.dumps({}, _PICKLE)  # rows written before empty dicts were deleted


def _owners(kind: str, key: tuple[Any, ...]) -> set[int]:
    """The users and chats a buffered entry belongs to."""
    if kind in ("user_data", "chat_data"):
        return {int(key[0])}
    if kind == "conversations":
        return {part for part in json.loads(key[1]) if isinstance(part, int)}
    return set()


class StorePersistence(BasePersistence[dict, dict, dict]):
    """BasePersistence over the store's PTB tables."""

    def __init__(self, store: Store) -> None:
        super().__init__(store_data=PersistenceInput(), update_interval=60)
        self.store = store
        self._last_bot_data: bytes | None = None
        # (kind, key) -> the pickled value to write, or None to delete it; the last change wins
        self._pending: dict[tuple[str, tuple[Any, ...]], bytes | None] = {}
        # update id -> its users and chats, for updates whose state is in _pending:
        # recorded as handled in the same transaction as that state
        self._handled: dict[int, Collection[int]] = {}
        # one commit at a time, so a failed one can be re-queued without overtaking a newer
        self._commit_lock = asyncio.Lock()
        # user and chat ids with an update in progress -> how many
        self._busy: Counter[int] = Counter()
        # user or chat id whose state was unreadable -> the quarantine rows to mark told
        self.lost: dict[int, set[int]] = {}

    async def _rows(self, kind: str, name: str | None = None) -> list[tuple[Any, bytes]]:
        await self.store.open()
        return await self.store.ptb_rows(kind, name, skip=_EMPTY)

    async def _set_aside(self, kind: str, key: tuple[Any, ...], data: bytes,
                         exc: Exception) -> None:
        """Move an unreadable row to the quarantine and log it; the bot starts without it."""
        error = f"{type(exc).__name__}: {exc}"
        row_id = await self.store.quarantine_ptb_row(kind, key, data, error)
        log.warning("persistence: unreadable row %s %s skipped and kept as ptb_quarantine %d "
                    "(%s)", kind, list(key), row_id, error[:200])

    async def _load_map(self, kind: str) -> dict[int, Any]:
        loaded = {}
        for key, data in await self._rows(kind):
            try:
                value = pickle.loads(data)
                if not isinstance(value, dict):
                    raise TypeError(f"expected a dict, found {type(value).__name__}")
            except Exception as exc:  # any unpickling error: corrupt, truncated, stale class
                await self._set_aside(kind, (key,), data, exc)
                continue
            loaded[int(key)] = value
        return loaded

    def _buffer_dict(self, kind: str, key: int, data: dict) -> None:
        """Buffer a user's or chat's data; an empty one is a deletion, so the users with no
        data are neither stored nor loaded at start-up (issue 16, item 5): PTB gives each of
        them a fresh empty dict when they write again."""
        self._pending[(kind, (key,))] = pickle.dumps(data, _PICKLE) if data else None

    async def _load_single(self, kind: str) -> Any:
        rows = await self._rows(kind)
        if not rows:
            return None
        try:
            return pickle.loads(rows[0][1])
        except Exception as exc:
            await self._set_aside(kind, (1,), rows[0][1], exc)
            return None

    async def load_lost(self) -> None:
        """Learn whose state was set aside and not yet told (after loading; see `lost`)."""
        self.lost = {}
        for row in await self.store.unnotified_quarantine():
            for owner in row.owners():
                self.lost.setdefault(owner, set()).add(row.id)

    async def forget_lost(self, owners: Iterable[int]) -> None:
        """These users or chats were told to start over."""
        ids = {row for owner in owners for row in self.lost.pop(owner, set())}
        for rows in self.lost.values():
            rows -= ids
        self.lost = {owner: rows for owner, rows in self.lost.items() if rows}
        await self.store.mark_quarantine_notified(ids)

    def hold(self, owners: Collection[int]) -> None:
        """An update of these users/chats is being handled: do not write their state yet."""
        self._busy.update(owners)

    def release(self, owners: Collection[int]) -> None:
        """The update is done: their state may be written again."""
        self._busy.subtract(owners)
        for owner in owners:
            if self._busy[owner] <= 0:
                del self._busy[owner]

    async def get_user_data(self) -> dict[int, dict]:
        """All stored, non-empty user_data."""
        return await self._load_map("user_data")

    async def get_chat_data(self) -> dict[int, dict]:
        """All stored, non-empty chat_data."""
        return await self._load_map("chat_data")

    async def get_bot_data(self) -> dict:
        """The stored bot_data (remembered, so an unchanged one is never rewritten)."""
        data = await self._load_single("bot_data")
        if not isinstance(data, dict):
            data = {}
        self._last_bot_data = pickle.dumps(data, _PICKLE)
        return data

    async def get_callback_data(self) -> Any:
        """The stored callback data cache, if any."""
        return await self._load_single("callback_data")

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one named conversation."""
        states = {}
        for key, state in await self._rows("conversations", name):
            try:
                states[tuple(json.loads(key))] = pickle.loads(state)
            except Exception as exc:
                await self._set_aside("conversations", (name, key), state, exc)
        return states

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

    def handled(self, update_id: int, owners: Collection[int]) -> None:
        """The state this update (of these users and chats) produced is buffered: record
        the update as handled in the transaction that writes it."""
        self._handled[update_id] = owners

    async def commit(self) -> None:
        """Write every buffered change in one transaction (one statement per table)."""
        async with self._commit_lock:
            await self._commit()

    async def _commit(self) -> None:
        """Write what is buffered, except the entries of users/chats mid-update (kept), with
        the updates that produced it (an update whose user or chat is mid-update again is
        recorded with that update's commit, when its state is written)."""
        if not self._pending and not self._handled:
            return
        pending, self._pending = self._pending, {}
        handled, self._handled = self._handled, {}
        if self._busy:
            for item in [i for i in pending if self._busy.keys() & _owners(*i)]:
                self._pending[item] = pending.pop(item)
            for update_id in [u for u, owners in handled.items() if self._busy.keys() & owners]:
                self._handled[update_id] = handled.pop(update_id)
            if not pending and not handled:
                return
        try:
            await self.store.save_ptb_state(
                ((kind, key, value) for (kind, key), value in pending.items()), list(handled))
        except BaseException:
            for item, value in pending.items():  # keep what failed for the next commit
                self._pending.setdefault(item, value)
            self._handled = {**handled, **self._handled}
            raise

    async def flush(self) -> None:
        """Write what is still buffered (PTB calls this at shutdown)."""
        await self.commit()
