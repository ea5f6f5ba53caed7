"""Deliver the outbox: paced to the platform's limits, retried, never shown twice once marked.

Guarantees and their limits:

* At least once: a message leaves the outbox only when the Bot API accepted it
  (`sent`) or can never accept it (`failed`: the user blocked the bot, the chat is gone,
  the request is malformed, or retries ran out). A crash leaves the rest `pending`, and
  the next notifier sends them.
* Shown at most once, once marked: the row is marked `sent` right after the API call
  returns. A crash in between (or a timeout after Telegram got the message) can re-send
  that one message after a restart; what was marked is never sent again. With
  `concurrency` sends in flight, at most that many can be repeated.
* Pacing: `RateLimiter` spaces sends to `per_second` overall and `per_chat_second` per
  chat, at `HEADROOM` of the configured limits so timer jitter never crosses them. A
  chat gets its messages in order: one in flight per chat at a time.
* Flood (`RetryAfter`): every send pauses for the time Telegram asked, then retries.
  Network errors: the row gets `not_before` = now + exponential backoff.
* The store's write lock is held only for the one-row updates, never across the network,
  so a broadcast of tens of thousands does not hold up the handlers' replies.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.store.interface import Store
from bot.store.outbox import OutboxMessage
from bot.text.fmt import now_utc

log = logging.getLogger(__name__)

HEADROOM = 0.97
BACKOFF_FIRST = 2.0  # seconds before the first retry after a network error
BACKOFF_MAX = 3600.0
MAX_ATTEMPTS = 10  # network failures before a message is given up
MAX_FLOODS = 5  # flood answers in a row before the message goes back to the outbox
CHAT_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked",
             "peer_id_invalid", "chat_id is empty")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class RateLimiter:
    """Spaces calls: `per_second` overall, `per_chat_second` per chat, with a global pause."""

    def __init__(self, per_second: float, per_chat_second: float, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, headroom: float = HEADROOM) -> None:
        self.interval = 1 / (per_second * headroom)
        self.chat_interval = 1 / (per_chat_second * headroom)
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        """Return when a message to this chat may be sent (callers send one per chat at once)."""
        while (ready := self._chat_next.get(chat_id, 0.0)) > (now := self.clock()):
            await self.sleep(ready - now)
        async with self._lock:
            while (start := max(self._next, self._paused_until)) > (now := self.clock()):
                await self.sleep(start - now)
            # Next slot from the planned one, so timer overshoot does not add up; after a
            # stall, from now (minus half a slot at most), so no burst makes up for it.
            self._next = max(start, now - self.interval / 2) + self.interval
            self._chat_next[chat_id] = now + self.chat_interval
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    def pause(self, seconds: float) -> None:
        """Send nothing for this long (the platform said: flood)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    floods: int = 0


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1, 2, …): 2, 4, 8, … ≤ 1 h."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # a timedelta; the public property warns in PTB 22
    return max(value.total_seconds(), 0.0)


class Notifier:
    """Delivers pending outbox messages through a Bot."""

    def __init__(
        self, bot: Bot, store: Store, *, per_second: float, per_chat_second: float,
        concurrency: int = 64, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
        wall: Callable[[], dt.datetime] = now_utc, stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.bot, self.store = bot, store
        self.stopping = stopping
        self.limiter = RateLimiter(per_second, per_chat_second, clock=clock, sleep=sleep)
        self.concurrency = max(concurrency, 1)
        self.sleep, self.wall = sleep, wall
        self.report = DrainReport()

    async def drain(self, *, wait_retries: bool = False) -> DrainReport:
        """Send every message that is due; with `wait_retries`, also wait for those that
        are backing off, until the outbox has nothing pending. Returns this drain's counts."""
        self.report = DrainReport()
        inflight: dict[asyncio.Task[None], OutboxMessage] = {}
        try:
            while True:
                if len(inflight) <= self.concurrency // 2 and not self.stopping():
                    await self._fill(inflight)
                if not inflight:
                    if self.stopping() or not wait_retries or not await self._wait_for_retry():
                        return self.report
                    continue
                done, _ = await asyncio.wait(
                    inflight, timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    inflight.pop(task)
                    task.result()
        finally:
            for task in inflight:
                task.cancel()
            if inflight:
                await asyncio.gather(*inflight, return_exceptions=True)

    async def run_forever(self, poll: float = 1.0) -> None:
        """Keep draining until `stopping()` (the background task of the running bot)."""
        while not self.stopping():
            try:
                report = await self.drain()
                if report.sent or report.failed:
                    log.info("outbox: %s", report)
            except Exception:
                log.exception("outbox delivery failed; trying again")
            await self.sleep(poll)

    async def _fill(self, inflight: dict[asyncio.Task[None], OutboxMessage]) -> None:
        busy = {m.chat_id for m in inflight.values()}
        due = await self.store.due_outbox(
            self.concurrency - len(inflight), exclude_chats=busy, now=self.wall()
        )
        for message in due:
            inflight[asyncio.create_task(self._deliver(message))] = message

    async def _wait_for_retry(self) -> bool:
        due = await self.store.next_outbox_due()
        if due is None:
            return False
        await self.sleep(max((due - self.wall()).total_seconds(), 0.0))
        return True

    async def _deliver(self, message: OutboxMessage) -> None:
        """One message: send it, then mark it at once; or retry, or give up."""
        markup = (InlineKeyboardMarkup.de_json(message.reply_markup, self.bot)
                  if message.reply_markup else None)
        flood: RetryAfter | None = None
        for _ in range(MAX_FLOODS):
            await self.limiter.wait(message.chat_id)
            try:
                sent = await self.bot.send_message(message.chat_id, message.text,
                                                   reply_markup=markup)
            except RetryAfter as exc:
                self.report.floods += 1
                self.limiter.pause(_seconds(exc))
                flood = exc
                continue
            except Forbidden as exc:
                await self._give_up(message, exc, chat_gone=True)
            except BadRequest as exc:
                gone = any(part in exc.message.lower() for part in CHAT_GONE)
                await self._give_up(message, exc, chat_gone=gone)
            except ChatMigrated as exc:
                await self._give_up(message, exc, chat_gone=False)
            except TelegramError as exc:  # NetworkError, TimedOut and the like
                await self._retry_later(message, exc)
            else:
                await self.store.mark_outbox_sent(message.id, sent.message_id)
                self.report.sent += 1
            return
        assert flood is not None
        await self._retry_later(message, flood)

    async def _give_up(self, message: OutboxMessage, exc: TelegramError, *, chat_gone: bool) -> None:
        log.warning("outbox %s to chat %s failed: %s", message.id, message.chat_id, exc)
        self.report.failed += await self.store.fail_outbox(
            message.id, f"{type(exc).__name__}: {exc}", chat_gone=chat_gone
        )

    async def _retry_later(self, message: OutboxMessage, exc: TelegramError) -> None:
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await self._give_up(message, exc, chat_gone=False)
            return
        delay = backoff(attempts)
        log.info("outbox %s: %s; retry in %.0f s", message.id, exc, delay)
        await self.store.retry_outbox_later(
            message.id, self.wall() + dt.timedelta(seconds=delay), f"{type(exc).__name__}: {exc}"
        )
        self.report.retried += 1
