"""Updates of different chats run concurrently; a chat's own updates keep their order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.runtime.updates import PerChatUpdateProcessor, chat_key


def update_for(chat: int, n: int) -> Update:
    return Update.de_json({"update_id": n, "message": {
        "message_id": n, "date": 0, "text": str(n),
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "x"}}}, None)


async def test_a_slow_chat_does_not_hold_up_another_and_each_chat_keeps_its_order():
    processor = PerChatUpdateProcessor(8)
    done: list[tuple[int, int]] = []

    async def handle(chat: int, n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        done.append((chat, n))

    jobs = [(1, 1, 0.2), (1, 2, 0.0), (2, 3, 0.0), (1, 4, 0.0), (2, 5, 0.0)]
    await asyncio.gather(*(processor.process_update(update_for(c, n), handle(c, n, d))
                           for c, n, d in jobs))
    assert done[:2] == [(2, 3), (2, 5)]  # chat 2 was not held up by chat 1's slow update
    assert [n for c, n in done if c == 1] == [1, 2, 4]  # chat 1 in arrival order
    assert processor._locks == {} and processor._users == {}  # nothing kept per chat


def test_the_key_is_the_chat_else_the_user():
    assert chat_key(update_for(5, 1)) == 5
    assert chat_key(object()) is None
