"""The aiohttp request layer (bot/runtime/aiohttp_request.py) against a real HTTP Bot API
(bench/local_bot_api.py): what PTB sends arrives whole (Persian text, inline keyboards,
uploaded files), files download, and the Bot API's and the network's failures become
PTB's errors (flood → RetryAfter, refused → NetworkError, no answer → TimedOut)."""

from __future__ import annotations

import asyncio
import socket
import urllib.parse

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut

from bench.local_bot_api import LocalBotAPI
from bot.runtime.aiohttp_request import AiohttpRequest, form_body
from bot.runtime.app import bot_request
from bot.runtime.settings import load_settings

TOKEN = "7000000001:AIOHTTP-test"


@pytest.fixture
def api():
    server = LocalBotAPI(per_second=5).start()
    yield server
    server.stop()


def bot_on(server: LocalBotAPI, **timeouts: float) -> Bot:
    return Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url,
               request=AiohttpRequest(connection_pool_size=4, **timeouts))


async def test_calls_arrive_whole_and_files_download(api):
    async with bot_on(api) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("پرداخت قبض", callback_data="pay:1")]])
        sent = await bot.send_message(42, "قبض شما: ۱۲۳٬۰۰۰ ریال", reply_markup=markup)
        edited = await bot.edit_message_text("پرداخت شد ✅", chat_id=42,
                                              message_id=sent.message_id)
        assert await bot.answer_callback_query("q1") is True
        photo = await bot.send_photo(42, InputFile(b"\x89PNG\r\n\x1a\n" + bytes(100),
                                                   filename="chart.png"), caption="نمودار مصرف")
        data = await (await bot.get_file("doc-7")).download_as_bytearray()
    first, second, third = api.delivered(42)
    assert (first.method, first.text, first.inline_data()) == (
        "sendMessage", "قبض شما: ۱۲۳٬۰۰۰ ریال", ["pay:1"])
    assert (second.method, second.text, second.message_id) == (
        "editMessageText", "پرداخت شد ✅", sent.message_id)
    assert edited.text == "پرداخت شد ✅"
    assert (third.method, third.text) == ("sendPhoto", "نمودار مصرف") and photo.photo
    assert bytes(data).startswith(b"\x89PNG")


async def test_many_calls_at_once_share_the_pool(api):
    async with bot_on(api) as bot:
        api.per_second = None
        sent = await asyncio.gather(*(bot.send_message(n, f"پیام {n}") for n in range(1, 21)))
    assert sorted(m.chat_id for m in sent) == list(range(1, 21))


async def test_flood_answer_is_retry_after(api):
    async with bot_on(api) as bot:
        for _ in range(5):
            await bot.send_message(1, "سلام")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "سلام")


async def test_refused_connection_is_a_network_error(api):
    port = api.port
    api.stop()
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()


async def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connects, never answers
        request = AiohttpRequest()
        await request.initialize()
        try:
            with pytest.raises(TimedOut):
                await request.do_request(
                    f"http://127.0.0.1:{silent.getsockname()[1]}/bot{TOKEN}/getMe", "POST",
                    read_timeout=0.3)
        finally:
            await request.shutdown()


def test_settings_choose_the_client():
    assert isinstance(bot_request(load_settings()), AiohttpRequest)
    httpx = bot_request(load_settings(http_client="httpx", http_version="2"))
    assert type(httpx).__name__ == "HTTPXRequest"
    assert httpx.http_version in ("1.1", "2")  # 2 only when h2 is installed


@pytest.mark.parametrize("value", [
    "قبض شما: ۱۲۳٬۰۰۰ ریال", "a b+c&d=e%f", "سطر اول\nسطر دوم 💧", "", '{"inline_keyboard": []}'])
def test_form_body_decodes_to_the_same_parameters(value):
    params = {"chat_id": "42", "text": value, "parse_mode": "HTML"}
    decoded = dict(urllib.parse.parse_qsl(form_body(params).decode(), keep_blank_values=True))
    assert decoded == params
