"""The console demo: the real Application, handlers and store, chatting in a terminal.

Each line typed (or piped) is one user message. The bot's replies print as text; reply
and inline keyboards print as numbered buttons, pressed by typing the number. To send a
number that would press a button, prefix it with `=` (`=2`). `/photo [caption]` and
`/file NAME MIME BYTES` simulate uploads; `/quit` (or end of input) leaves.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.app import build_application
from bot.notify.notifier import Notifier
from bot.settings import Settings
from bot.store import SqliteStore
from bot.text.i18n import t
from bot.tools.demo_data import DEMO_CHAT, ensure_demo_data
from bot.tools.simulator import ApiCall, FakeBotAPI, SimUser

DEMO_USER_ID = DEMO_CHAT
TABRIZ = (38.0800, 46.2919)


@dataclass(frozen=True)
class Button:
    """A button the demo user can press by its number."""

    label: str
    kind: str  # text, callback, contact, location, url, copy, invoice
    value: str


def buttons_of(replies: list[ApiCall], keyboard: list[Button]) -> tuple[list[Button], list[Button]]:
    """(inline buttons of these replies, the reply keyboard now shown)."""
    inline: list[Button] = []
    for index, call in enumerate(replies):
        markup = call.markup
        if call.method == "sendInvoice":  # Bale's pay button, simulated in the demo
            inline.append(Button(t("demo.pay_invoice"), "invoice", str(index)))
        for row in markup.get("inline_keyboard") or []:
            for b in row:
                kind = ("callback" if "callback_data" in b else "copy" if "copy_text" in b
                        else "url")
                value = b.get("callback_data") or b.get("url") or b.get("copy_text", {}).get(
                    "text", "")
                inline.append(Button(b["text"], kind, value))
        if "keyboard" in markup:
            keyboard = []
            for row in markup["keyboard"]:
                for b in row:
                    b = {"text": b} if isinstance(b, str) else b
                    kind = ("contact" if b.get("request_contact")
                            else "location" if b.get("request_location") else "text")
                    keyboard.append(Button(b["text"], kind, b["text"]))
        if markup.get("remove_keyboard"):
            keyboard = []
    return inline, keyboard


def render(call: ApiCall, out: TextIO) -> None:
    """Print one reply of the bot."""
    if call.method == "sendPhoto":
        out.write(f"🤖 {t('demo.photo', caption=call.text)}\n")
    elif call.method == "sendDocument":
        out.write(f"🤖 {t('demo.document', name=call.text)}\n")
    elif call.method == "sendLocation":
        out.write(f"🤖 📍 {call.params.get('latitude')}, {call.params.get('longitude')}\n")
    elif call.method == "sendInvoice":
        out.write(f"🤖 {t('demo.invoice', text=call.text)}\n")
    else:
        out.write(f"🤖 {call.text}\n")


def render_buttons(inline: list[Button], keyboard: list[Button], out: TextIO,
                   changed: bool = True) -> None:
    """Print the buttons, numbered: inline ones first, then the reply keyboard (one line
    when it is the same keyboard as before)."""
    if inline:
        out.write(f"   {t('demo.inline_keyboard')}\n")
    for i, button in enumerate(inline, 1):
        out.write(f"   [{i}] {button.label}\n")
    numbered = list(enumerate(keyboard, len(inline) + 1))
    if not numbered:
        return
    if not changed:
        labels = "  ".join(f"[{i}] {b.label}" for i, b in numbered)
        out.write(f"   {t('demo.reply_keyboard')} {labels}\n")
        return
    out.write(f"   {t('demo.reply_keyboard')}\n")
    for i, button in numbered:
        extra = (f" {t('demo.contact_button')}" if button.kind == "contact"
                 else f" {t('demo.location_button')}" if button.kind == "location" else "")
        out.write(f"   [{i}] {button.label}{extra}\n")


class ConsoleChat:
    """One demo user chatting with the application.

    After each message the outbox is delivered once (the running bot does this in the
    background), so the SMS-like notices the user's actions cause show up at once.
    """

    def __init__(self, user: SimUser, phone: str | None, out: TextIO,
                 notifier: Notifier | None = None) -> None:
        self.user, self.phone, self.out, self.notifier = user, phone, out, notifier
        self.inline: list[Button] = []
        self.keyboard: list[Button] = []
        self.replies: list[ApiCall] = []

    async def handle(self, line: str) -> None:
        """Turn one typed line into what the user does, and print the replies."""
        line = line.strip()
        if not line:
            return
        numbered = [*self.inline, *self.keyboard]
        if line.isdigit() and 1 <= int(line) <= len(numbered):
            replies = await self.press(numbered[int(line) - 1])
        elif line.startswith("="):
            replies = await self.user.send(line[1:])
        elif line.startswith("/photo"):
            replies = await self.user.send_photo(line[6:].strip() or None)
        elif line.startswith("/file"):
            parts = line.split()
            name = parts[1] if len(parts) > 1 else "document.pdf"
            mime = parts[2] if len(parts) > 2 else "application/pdf"
            size = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 200_000
            replies = await self.user.send_document(name, mime, size)
        else:
            replies = await self.user.send(line)
        for call in replies:
            render(call, self.out)
        replies += await self.notices()
        before = self.keyboard
        self.replies = replies
        self.inline, self.keyboard = buttons_of(replies, self.keyboard)
        render_buttons(self.inline, self.keyboard, self.out, self.keyboard != before)
        self.out.flush()

    async def notices(self) -> list[ApiCall]:
        """Deliver the outbox once and print what reached this user."""
        if self.notifier is None:
            return []
        start = len(self.user.api.calls)
        await self.notifier.drain()
        delivered = [c for c in self.user.api.sent(start) if c.chat_id == self.user.id]
        for call in delivered:
            self.out.write(f"📩 {call.text}\n")
        return delivered

    async def press(self, button: Button) -> list[ApiCall]:
        """Press a numbered button."""
        if button.kind == "callback":
            return await self.user.press(button.value)
        if button.kind == "contact":
            return await self.user.share_contact(self.phone or "09140000000")
        if button.kind == "location":
            return await self.user.share_location(*TABRIZ)
        if button.kind == "url":
            self.out.write(f"🔗 {button.value}\n")
            return []
        if button.kind == "copy":
            self.out.write(f"📋 {button.value}\n")
            return []
        if button.kind == "invoice":
            charge = f"demo-{self.user.id}-{len(self.user.api.calls)}"
            return await self.user.pay_invoice(self.replies[int(button.value)], charge)
        return await self.user.send(button.value)


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                      demo_size: int = 3000) -> int:
    """Run the demo chat until /quit or end of input."""
    store = await SqliteStore(settings.demo_database).open()
    try:
        if not await store.subscribers_count():
            out.write(t("demo.building", size=demo_size) + "\n")
            out.flush()
        await ensure_demo_data(store, demo_size)
        api = FakeBotAPI()
        app = build_application(settings, store, request=api)
        await app.initialize()
        samples = await store.sample_subscribers(3)
        out.write(t("demo.banner") + "\n")
        out.write(f"{t('demo.database')} {settings.demo_database}\n")  # a path: not localised
        numbers = "، ".join(s.subscription_number for s in samples)
        out.write(t("demo.sample_subscriptions", numbers=numbers) + "\n")
        phone = samples[0].phone if samples else None
        if phone:
            out.write(t("demo.phone", phone=phone) + "\n")
        out.write("\n")
        notifier = Notifier(app.bot, store, per_second=1000, per_chat_second=1000)
        chat = ConsoleChat(SimUser(app, api, DEMO_USER_ID, "کاربر نمایشی"), phone, out, notifier)
        await chat.handle("/start")
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() in {"/quit", "/exit"}:
                break
            if not stdin.isatty():
                out.write(f"👤 {line.strip()}\n")
            await chat.handle(line)
        await app.shutdown()
    finally:
        await store.close()
    return 0
