"""Flood answers (HTTP 429, `RetryAfter`): one chat's limit holds that chat, not the bot.

The Bot API does not say whose limit a flood answer is about: one chat's (a group takes 20
messages a minute, a private chat about one a second) or the bot's overall one (30 a
second). `FloodWatch` decides: a chat's own, unless another chat got a flood answer within
`WINDOW`, which means the overall limit.

`BotRateLimiter` is the running bot's rate limiter: PTB's `AIORateLimiter` (which paces
every call overall and per group) with that decision. PTB's answers every flood by
pausing every request of the bot, so one group's 429 stalled the replies and messages to
everyone; here a chat's own flood makes only that chat's requests wait. A request made
with `rate_limit_args=NO_RETRY` (the outbox notifier, which keeps the message in the
outbox and holds the chat itself) gets the flood answer at once, without a retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

WINDOW = 1.0  # seconds: flood answers of two chats this close are the overall limit
NO_RETRY = -1  # rate_limit_args: give the flood answer back at once

Clock = Callable[[], float]


class FloodWatch:
    """Tells a chat's own flood limit from the bot's overall one (see the module doc)."""

    def __init__(self, clock: Clock = time.monotonic, window: float = WINDOW) -> None:
        self.clock, self.window = clock, window
        self._last: dict[int, float] = {}

    def is_overall(self, chat_id: int | None) -> bool:
        """Record a flood answer for this chat (None: a call without a chat, which can only
        be the overall limit); True when it is the bot's overall limit."""
        if chat_id is None:
            return True
        now = self.clock()
        self._last = {c: t for c, t in self._last.items() if now - t <= self.window}
        overall = any(c != chat_id for c in self._last)
        self._last[chat_id] = now
        return overall


def retry_seconds(exc: RetryAfter) -> float:
    """The wait a flood answer asks for, in seconds."""
    return max(exc._retry_after.total_seconds(), 0.0)  # the public property warns in PTB 22


def _chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    try:
        return int(chat_id) if chat_id is not None else None
    except (TypeError, ValueError):
        return str(chat_id)  # @username of a channel or supergroup


class BotRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, but a chat's own flood answer holds only that chat."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.floods = FloodWatch()
        self._held: dict[int | str, float] = {}  # chat -> monotonic time it may send again

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace the request as PTB does; on a flood answer hold its chat (or, for the
        overall limit, everyone) and retry up to `max_retries` times (none for NO_RETRY)."""
        retries = 0 if rate_limit_args == NO_RETRY else rate_limit_args or self._max_retries
        chat = _chat_of(data)
        group = chat if isinstance(chat, str) or (isinstance(chat, int) and chat < 0) else False
        for attempt in range(retries + 1):
            await self._wait_for_chat(chat)
            try:
                return await self._run_request(
                    chat=chat is not None, group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback, args=args, kwargs=kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc) + 0.1
                overall = self.floods.is_overall(chat if isinstance(chat, int) else None)
                if attempt == retries:
                    if not overall and chat is not None:
                        self._hold(chat, seconds)
                    raise
                log.info("flood answer for %s (%s): retrying after %.1f s", endpoint,
                         "every chat" if overall else f"chat {chat}", seconds)
                if overall:
                    self._retry_after_event.clear()  # PTB's pause: no request goes out
                    try:
                        await asyncio.sleep(seconds)
                    finally:
                        self._retry_after_event.set()
                elif chat is not None:
                    self._hold(chat, seconds)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _hold(self, chat: int | str, seconds: float) -> None:
        now = time.monotonic()
        if len(self._held) > 1000:
            self._held = {c: until for c, until in self._held.items() if until > now}
        self._held[chat] = max(self._held.get(chat, 0.0), now + seconds)

    async def _wait_for_chat(self, chat: int | str | None) -> None:
        if chat is None:
            return
        while (until := self._held.get(chat, 0.0)) > (now := time.monotonic()):
            await asyncio.sleep(until - now)
        self._held.pop(chat, None)
