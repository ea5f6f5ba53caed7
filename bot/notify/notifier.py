"""Deliver the outbox: paced to the platform's limits, retried, never shown twice once marked.

Guarantees and their limits:

* At least once: a message leaves the outbox only when the Bot API accepted it (`sent`)
  or gave a definite answer that it never will (`failed`): the user blocked the bot, the
  chat is gone, or the request itself is refused (a malformed message). An outage of the
  Bot API, however long (network errors, timeouts, 5xx, a rejected token), never fails a
  message: it stays pending and is sent once the API answers again. A crash leaves the
  rest `pending`, and the next notifier sends them.
* Shown at most once, once marked: the row is marked `sent` right after the API call
  returns. When the mark cannot be written (a full disk, a write lock held too long), the
  notifier remembers the delivery and retries only the mark, sending nothing new until
  the marks are written, so a failing store never makes it send a message again. Marks
  are written together (one transaction for the deliveries that finished meanwhile), and
  a send waits while `MAX_UNMARKED` deliveries are not yet marked. Only a crash between
  the API call and the mark (or a timeout after Telegram got the message) can repeat a
  message, after a restart: the deliveries not yet marked and the sends under way.
* Pacing: `RateLimiter` spaces sends to `per_second` overall, `per_chat_second` per
  private chat and `per_group_minute` per group (Telegram: 20 a minute), at `HEADROOM` of
  the limits so timer jitter never crosses them. A chat gets its messages in order: one in
  flight per chat at a time, the oldest first.
* Flood (`RetryAfter`): the Bot API does not say whose limit was hit. A flood answer
  holds only its own chat (the message goes back to the outbox until the time asked),
  unless another chat got one within a second (bot/notify/flood.py): then it is the bot's
  overall limit and every send pauses for the time asked. The running bot's rate limiter
  gives the notifier a flood answer at once (`NO_RETRY`) instead of retrying it.
* Outage: the first network error pauses every send (2, 4, 8 … up to `OUTAGE_MAX`
  seconds, reset by the first success); one message probes the API after each pause. The
  waiting message records why (`last_error`) and when it is tried next (`not_before`),
  which `python -m bot ops outbox` shows.
* A group upgraded to a supergroup (`ChatMigrated`): its pending messages move to the new
  id, the move is remembered (later messages to the old id go to the new one), and a
  warning names the old and new ids so a setting naming the old id can be changed.
* The store's write lock is held only for the one-row updates, never across the network,
  so a broadcast of tens of thousands does not hold up the handlers' replies.
* One sender per message (issue 14, item 5): the notifier claims what it sends
  (bot/store/outbox.py): each message it takes is leased to it for `LEASE` seconds, and
  the lease is renewed every `RENEW` seconds while the message is in flight or its
  delivery waits for its mark. Another notifier, `ops notify-pending` or a new leader
  never takes a message (nor a later one of the same chat) whose lease is alive, and
  takes over the messages of a sender that died once their leases run out. A message is
  sent only while at least `SEND_MARGIN` seconds of its lease remain (a renewal that
  failed, a frozen process); else it is left to whoever holds it next. The one way left
  to send a message twice is the crash case above, or a send that outlasts its lease.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.notify.flood import NO_RETRY, FloodWatch, retry_seconds
from bot.runtime.logs import RedactTokens
from bot.store.interface import Store
from bot.store.outbox import OutboxMessage
from bot.text import limits
from bot.text.fmt import now_utc

log = logging.getLogger(__name__)

HEADROOM = 0.97
GROUP_PER_MINUTE = 20  # Telegram: at most 20 messages a minute to one group
OUTAGE_FIRST = 2.0  # seconds of the first pause after a network error
OUTAGE_MAX = 60.0  # while the API is down, one probe at least this often
MARK_RETRY_MAX = 5.0  # seconds between tries of a mark that failed
MAX_FLOODS = 5  # overall flood answers in a row before the message goes back to the outbox
MAX_UNMARKED = 4  # deliveries not yet marked before a send waits for their mark
LEASE = 10.0  # seconds a claimed message is held for its sender (renewed while it is held)
RENEW = 3.0  # seconds between renewals of the leases held
SEND_MARGIN = 4.0  # a message is sent only while this much of its lease remains
CHAT_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked",
             "peer_id_invalid", "chat_id is empty")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def is_group(chat_id: int) -> bool:
    """Whether a chat id is a group, supergroup or channel (negative on the Bot API)."""
    return chat_id < 0


def backoff(failures: int, first: float = OUTAGE_FIRST, cap: float = OUTAGE_MAX) -> float:
    """Seconds to wait after the `failures`-th failure in a row (1, 2, …): 2, 4, 8, … ≤ cap."""
    return min(first * 2 ** max(failures - 1, 0), cap)


class RateLimiter:
    """Spaces calls: `per_second` overall, `per_chat_second` per private chat and
    `per_group_minute` per group; a global pause and per-chat holds for flood answers."""

    def __init__(self, per_second: float, per_chat_second: float, *,
                 per_group_minute: float = GROUP_PER_MINUTE, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, headroom: float = HEADROOM) -> None:
        self.interval = 1 / (per_second * headroom)
        self.chat_interval = 1 / (per_chat_second * headroom)
        self.group_interval = 60 / (per_group_minute * headroom)
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def spacing(self, chat_id: int) -> float:
        """Seconds between two messages to this chat."""
        return self.group_interval if is_group(chat_id) else self.chat_interval

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
            self._chat_next[chat_id] = now + self.spacing(chat_id)
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    def pause(self, seconds: float) -> None:
        """Send nothing to anyone for this long (the platform's overall flood limit)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Send nothing to this chat for this long (its own flood limit)."""
        until = self.clock() + seconds
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)


class Outage:
    """The Bot API did not answer: pause everyone, longer after each failed probe."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.failures = 0
        self.until = 0.0

    def active(self) -> bool:
        """Whether sends are paused."""
        return self.clock() < self.until

    def failed(self) -> float:
        """A send failed for want of the API; returns the seconds until the next probe.
        Failures of sends already under way count once."""
        now = self.clock()
        if now >= self.until:
            self.failures += 1
            self.until = now + backoff(self.failures)
        return self.until - now

    def succeeded(self) -> None:
        """The API answered: no pause."""
        self.failures, self.until = 0, 0.0


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    floods: int = 0
    unmarked: int = 0  # delivered, the mark not yet written (retried)


def sender_name() -> str:
    """A name no other sender has: host, process and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _reason(exc: TelegramError) -> str:
    """Why a send failed, for `last_error` (shown by `ops outbox`): never the token."""
    return RedactTokens().redact(f"{type(exc).__name__}: {exc.message}")


class Notifier:
    """Delivers pending outbox messages through a Bot."""

    def __init__(
        self, bot: Bot, store: Store, *, per_second: float, per_chat_second: float,
        per_group_minute: float = GROUP_PER_MINUTE, concurrency: int = 64,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
        wall: Callable[[], dt.datetime] = now_utc, stopping: Callable[[], bool] = lambda: False,
        holder: str | None = None, lease: float = LEASE,
    ) -> None:
        self.bot, self.store = bot, store
        self.holder = holder or sender_name()
        self.lease = lease
        # claimed messages (in flight, or delivered and not yet marked) -> lease's end
        self._held: dict[int, dt.datetime] = {}
        self._renewed = clock()
        self.stopping = stopping
        self.limiter = RateLimiter(per_second, per_chat_second, per_group_minute=per_group_minute,
                                   clock=clock, sleep=sleep)
        self.floods = FloodWatch(clock)
        # through the bot's rate limiter, a flood answer comes back at once (held here)
        self._no_retry = {"rate_limit_args": NO_RETRY} if getattr(bot, "rate_limiter", None) else {}
        self.outage = Outage(clock)
        self.concurrency = max(concurrency, 1)
        self.clock, self.sleep, self.wall = clock, sleep, wall
        self.report = DrainReport()
        # delivered but not yet marked sent: outbox id -> Bot API message id
        self._unmarked: dict[int, int | None] = {}
        self._marking = asyncio.Lock()
        self._mark_failures = 0  # writes of marks failed in a row (a full disk, a lock)

    async def drain(self, *, wait_retries: bool = False) -> DrainReport:
        """Send every message that is due; with `wait_retries`, also wait for those that
        are backing off, until the outbox has nothing pending. A mark that cannot be written
        is retried until it is (or until `stopping()`). Returns this drain's counts."""
        self.report = DrainReport()
        inflight: dict[asyncio.Task[None], OutboxMessage] = {}
        try:
            while True:
                await self._renew()
                if self._may_send() and len(inflight) <= self.concurrency // 2:
                    await self._fill(inflight)
                if not inflight:
                    if self.stopping():
                        break
                    if self._unmarked:
                        await self.sleep(backoff(self._mark_failures, 0.5, MARK_RETRY_MAX))
                        await self._write_marks()
                        continue
                    if not wait_retries:
                        break
                    if self.outage.active():
                        await self.sleep(self.outage.until - self.clock())
                        continue
                    if not await self._wait_for_retry():
                        break
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
        if self._unmarked:  # stopping: one last try, else they count as in flight at a crash
            await self._write_marks()
        await self._release([i for i in self._held if i not in self._unmarked])
        self.report.unmarked = len(self._unmarked)
        if self._unmarked:
            log.warning("outbox: %d delivered messages could not be marked sent yet",
                        len(self._unmarked))
        return self.report

    async def run_forever(self, poll: float = 1.0) -> None:
        """Keep draining until `stopping()` (the background task of the running bot)."""
        await self._report_migrations()
        while not self.stopping():
            try:
                report = await self.drain()
                if report.sent or report.failed:
                    log.info("outbox: %s", report)
            except Exception:
                log.exception("outbox delivery failed; trying again")
            await self.sleep(poll)

    def _may_send(self) -> bool:
        return not self._mark_failures and not self.outage.active() and not self.stopping()

    async def _fill(self, inflight: dict[asyncio.Task[None], OutboxMessage]) -> None:
        busy = {m.chat_id for m in inflight.values()}
        now = self.wall()
        try:
            due = await self.store.claim_outbox(
                self.concurrency - len(inflight), holder=self.holder, lease=self.lease,
                exclude_chats=busy, now=now)
        except Exception as exc:  # the database is unreadable for now: try again later
            log.warning("outbox: could not claim the pending messages: %s", exc)
            return
        until = now + dt.timedelta(seconds=self.lease)
        for message in due:
            self._held[message.id] = until
            inflight[asyncio.create_task(self._deliver(message))] = message

    async def _wait_for_retry(self) -> bool:
        try:
            due = await self.store.next_outbox_due(self.wall())
        except Exception as exc:
            log.warning("outbox: could not read the pending messages: %s", exc)
            return False
        if due is None:
            return False
        # a millisecond more, so the row is due when the clocks' rounding differs
        await self.sleep(max((due - self.wall()).total_seconds(), 0.0) + 0.001)
        return True

    async def _deliver(self, message: OutboxMessage) -> None:
        """One message: send it, then mark it at once; or retry, or give up. Never raises
        (but for cancellation): a failing store or API leaves the message pending."""
        markup = (InlineKeyboardMarkup.de_json(message.reply_markup, self.bot)
                  if message.reply_markup else None)
        text = limits.fit(message.text)
        flood: RetryAfter | None = None
        for _ in range(MAX_FLOODS):
            if len(self._unmarked) >= MAX_UNMARKED:  # marks lag behind: let them catch up
                await self._write_marks()
            await self.limiter.wait(message.chat_id)  # no await between the slot and the send
            if self.outage.active() or self.stopping() or self._mark_failures:
                await self._release([message.id])  # the API went down, the bot stops, or
                return  # marks fail: it stays pending, for any sender
            if not await self._keep(message.id):
                return  # another sender took it over (this one's lease ran out)
            try:
                sent = await self.bot.send_message(message.chat_id, text, reply_markup=markup,
                                                   **self._no_retry)
            except RetryAfter as exc:
                self.report.floods += 1
                seconds = retry_seconds(exc)
                if not self.floods.is_overall(message.chat_id):
                    self.limiter.hold(message.chat_id, seconds)
                    await self._retry_later(message, seconds, f"{_reason(exc)} (this chat)")
                    return
                self.limiter.pause(seconds)
                flood = exc
                continue
            except ChatMigrated as exc:
                await self._migrate(message, exc.new_chat_id)
            except Forbidden as exc:
                await self._give_up(message, exc, chat_gone=True)
            except BadRequest as exc:
                gone = any(part in exc.message.lower() for part in CHAT_GONE)
                await self._give_up(message, exc, chat_gone=gone)
            except TelegramError as exc:  # NetworkError, TimedOut, 5xx, a rejected token
                delay = self.outage.failed()
                await self._retry_later(message, delay, _reason(exc))
            else:
                self.outage.succeeded()
                await self._mark(message.id, sent.message_id)
            return
        assert flood is not None
        await self._retry_later(message, retry_seconds(flood), _reason(flood))

    async def _keep(self, outbox_id: int) -> bool:
        """Whether this sender still holds the message with time enough to send it: when
        less than SEND_MARGIN of its lease remains (a renewal failed, the process was
        frozen, a long flood pause), the lease is renewed first, unless another sender
        took the message over meanwhile."""
        now = self.wall()
        until = self._held.get(outbox_id)
        if until is not None and (until - now).total_seconds() >= SEND_MARGIN:
            return True
        try:
            kept = await self.store.extend_outbox_claims(
                [outbox_id], holder=self.holder, lease=self.lease, now=now)
        except Exception as exc:
            log.warning("outbox %s: could not renew its claim: %s", outbox_id, exc)
            kept = set()
        if outbox_id in kept:
            self._held[outbox_id] = now + dt.timedelta(seconds=self.lease)
            return True
        self._held.pop(outbox_id, None)
        return False

    async def _renew(self) -> None:
        """Every RENEW seconds, renew the leases of the messages held; a message taken over
        meanwhile (or no longer pending) is no longer held."""
        if self.clock() - self._renewed < RENEW:
            return
        self._renewed = self.clock()
        if not self._held:
            return
        now = self.wall()
        try:
            kept = await self.store.extend_outbox_claims(
                list(self._held), holder=self.holder, lease=self.lease, now=now)
        except Exception as exc:  # the leases run out: no new send until a renewal works
            log.warning("outbox: could not renew the claims of %d messages: %s",
                        len(self._held), exc)
            return
        until = now + dt.timedelta(seconds=self.lease)
        self._held = {i: until for i in self._held if i in kept or i in self._unmarked}

    async def _release(self, ids: Collection[int]) -> None:
        """Give back claims of messages not sent (any sender may take them)."""
        for outbox_id in ids:
            self._held.pop(outbox_id, None)
        if not ids:
            return
        try:
            await self.store.release_outbox(ids, holder=self.holder)
        except Exception as exc:  # they are taken over when their leases run out
            log.info("outbox: could not release %d claims: %s", len(ids), exc)

    async def _mark(self, outbox_id: int, message_id: int | None) -> None:
        """Remember the delivery, then write it (with every other one waiting)."""
        self._unmarked[outbox_id] = message_id
        await self._write_marks()

    async def _write_marks(self) -> None:
        """Write every delivery not yet marked, in one transaction (while one write runs,
        the deliveries that finish meanwhile wait and go in the next). When it fails, they
        stay remembered and nothing new is sent until a later try succeeds."""
        async with self._marking:
            batch = dict(self._unmarked)
            if not batch:
                return
            try:
                await self.store.mark_outbox_sent(batch)
            except Exception as exc:  # delivered: never send them again, retry the marks
                self._mark_failures += 1
                log.warning("outbox: %d delivered messages could not be marked sent (%s); "
                            "retrying the marks", len(batch), exc)
                return
            for outbox_id in batch:
                del self._unmarked[outbox_id]
                self._held.pop(outbox_id, None)
            self.report.sent += len(batch)
            self._mark_failures = 0

    async def _give_up(self, message: OutboxMessage, exc: TelegramError, *, chat_gone: bool) -> None:
        self._held.pop(message.id, None)
        log.warning("outbox %s to chat %s failed: %s", message.id, message.chat_id, exc)
        try:
            self.report.failed += await self.store.fail_outbox(
                message.id, _reason(exc), chat_gone=chat_gone
            )
        except Exception as store_error:  # it stays pending and gets the same answer again
            log.warning("outbox %s: could not record the failure: %s", message.id, store_error)

    async def _retry_later(self, message: OutboxMessage, seconds: float, reason: str) -> None:
        self._held.pop(message.id, None)
        log.info("outbox %s: %s; next try in %.0f s", message.id, reason, seconds)
        try:
            await self.store.retry_outbox_later(
                message.id, self.wall() + dt.timedelta(seconds=seconds), reason)
        except Exception as exc:  # it stays due; the pause or hold keeps it from looping
            log.warning("outbox %s: could not record the retry: %s", message.id, exc)
        self.report.retried += 1

    async def _migrate(self, message: OutboxMessage, new_chat_id: int) -> None:
        log.warning("chat %s was upgraded to the supergroup %s: its messages now go there "
                    "(change any setting that names %s, e.g. ABFA_OPERATORS_CHAT)",
                    message.chat_id, new_chat_id, message.chat_id)
        try:
            await self.store.migrate_chat(message.chat_id, new_chat_id)
        except Exception as exc:  # the next attempt gets the same answer and tries again
            log.warning("outbox: could not record the move of chat %s: %s", message.chat_id, exc)

    async def _report_migrations(self) -> None:
        """Say at start which chat ids are stale (a setting may still name one)."""
        try:
            moved = await self.store.chat_migrations()
        except Exception:
            return
        for item in moved:
            log.warning("chat %s became the supergroup %s: messages for it go there (change "
                        "any setting that names %s)", item.old_chat_id, item.new_chat_id,
                        item.old_chat_id)
