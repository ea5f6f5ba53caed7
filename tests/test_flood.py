"""Issue 10 item 9, the running bot's rate limiter: one chat's flood answer holds that chat.

PTB's AIORateLimiter answers any flood by pausing every request of the bot, and the
notifier's sends went through it, so a group's 429 stalled everyone in production even
when the notifier held only that chat. These drive bot/notify/flood.py's limiter with a
fake request on the real clock (waits of a second).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.notify.flood import NO_RETRY, BotRateLimiter


class FakeCalls:
    """A Bot API call per chat: flood answers as scripted, then success; when each ran."""

    def __init__(self, floods: dict[int, int]) -> None:
        self.floods = dict(floods)  # chat -> seconds of its one flood answer
        self.started = time.monotonic()
        self.done: dict[int, float] = {}

    async def call(self, chat: int) -> bool:
        """The request itself."""
        if seconds := self.floods.pop(chat, 0):
            raise RetryAfter(seconds)
        self.done[chat] = time.monotonic() - self.started
        return True


async def send(limiter: BotRateLimiter, calls: FakeCalls, chat: int,
               rate_limit_args: int | None = None) -> object:
    return await limiter.process_request(calls.call, (chat,), {}, "sendMessage",
                                         {"chat_id": chat}, rate_limit_args)


async def test_a_groups_flood_answer_does_not_pause_other_chats() -> None:
    limiter = BotRateLimiter(overall_max_rate=30, max_retries=3)
    await limiter.initialize()
    calls = FakeCalls({-100_777: 1})
    group = asyncio.create_task(send(limiter, calls, -100_777))
    await asyncio.sleep(0.05)
    await asyncio.gather(*(send(limiter, calls, chat) for chat in (11, 12, 13)))
    assert max(calls.done[c] for c in (11, 12, 13)) < 0.6  # not held by the group's 1 s
    assert await group is True and calls.done[-100_777] >= 1.0


async def test_two_chats_flooding_at_once_pause_everyone() -> None:
    limiter = BotRateLimiter(overall_max_rate=30, max_retries=3)
    await limiter.initialize()
    calls = FakeCalls({21: 1, 22: 1})
    first = asyncio.create_task(send(limiter, calls, 21))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(send(limiter, calls, 22))
    await asyncio.sleep(0.05)
    await send(limiter, calls, 23)
    await asyncio.gather(first, second)
    assert calls.done[23] >= 0.9  # the overall limit: it waited too


async def test_the_notifier_gets_the_flood_answer_at_once_and_the_chat_stays_held() -> None:
    limiter = BotRateLimiter(overall_max_rate=30, max_retries=3)
    await limiter.initialize()
    calls = FakeCalls({-100_555: 1})
    started = time.monotonic()
    with pytest.raises(RetryAfter):
        await send(limiter, calls, -100_555, NO_RETRY)
    assert time.monotonic() - started < 0.5
    await send(limiter, calls, 31)  # another chat goes at once
    assert calls.done[31] < 0.5
    await send(limiter, calls, -100_555)  # the group's next request waits for its hold
    assert calls.done[-100_555] >= 1.0
