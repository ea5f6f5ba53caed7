"""The console demo: the real Application, handlers and store, chatting in a terminal.

Each line typed (or piped) is one user message. The bot's replies print as text. Inline
buttons (under a message) print with letters, `[a]`, `[b]`, … and are pressed by typing
the letter; the reply keyboard (the main menu, or a question's choices) prints with
numbers, `[1]`, `[2]`, …, the same numbers from screen to screen (the main menu is always
1 to 7). A number typed where the bot waits for a typed answer (days, m³, a meter
reading, an amount…) is sent as the answer and never presses a button: the console asks
the running conversations whether they would take it, as the bot would. `#2` always
presses reply-keyboard button 2, `=b` always sends the text «b». `/photo [caption]` and
`/file NAME MIME BYTES` simulate uploads; `/quit` (or end of input) leaves.
"""

from __future__ import annotations

import asyncio
import string
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.notify.notifier import Notifier
from bot.runtime.app import build_application
from bot.runtime.conversations import conversation_handlers
from bot.runtime.settings import Settings
from bot.store import open_store
from bot.text.i18n import t
from bot.text.keyboards import MENU_KEYS
from bot.text.normalise import to_ascii_digits
from bot.tools.demo_data import DEMO_CHAT, ensure_demo_data
from bot.tools.simulator import ApiCall, FakeBotAPI, SimUser
from bot.tools.terminal import CleanStream

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


def letter(index: int) -> str:
    """The letter of the inline button at `index` (0-based): a … z, then aa, ab, …"""
    letters = string.ascii_lowercase
    return letters[index] if index < len(letters) else (
        letters[index // len(letters) - 1] + letters[index % len(letters)])


def render_buttons(inline: list[Button], keyboard: list[Button], out: TextIO,
                   changed: bool = True, typed_answer: bool = False) -> None:
    """Print the buttons: inline ones with letters, then the reply keyboard with numbers
    (one line when it is the same keyboard as before), and a hint when a typed number is
    taken as an answer."""
    if inline:
        out.write(f"   {t('demo.inline_keyboard')}\n")
    for i, button in enumerate(inline):
        out.write(f"   [{letter(i)}] {button.label}\n")
    numbered = list(enumerate(keyboard, 1))
    if numbered and not changed:
        labels = "  ".join(f"[{i}] {b.label}" for i, b in numbered)
        out.write(f"   {t('demo.reply_keyboard')} {labels}\n")
    elif numbered:
        out.write(f"   {t('demo.reply_keyboard')}\n")
        for i, button in numbered:
            extra = (f" {t('demo.contact_button')}" if button.kind == "contact"
                     else f" {t('demo.location_button')}" if button.kind == "location" else "")
            out.write(f"   [{i}] {button.label}{extra}\n")
    if numbered and typed_answer:
        out.write(f"   {t('demo.numbers_are_answers')}\n")


def is_choice_keyboard(keyboard: list[Button]) -> bool:
    """A question's own buttons (choices, or sharing a contact or a location), not the main
    menu and not only cancel/skip: a number typed there presses one."""
    labels = {b.label for b in keyboard}
    utility = {t("common.button_cancel"), t("common.button_skip"), t("common.button_menu")}
    menu = {t(key) for key in MENU_KEYS}
    return bool(labels - utility - menu) and not labels >= menu


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
        number = to_ascii_digits(line)
        letters = {letter(i): button for i, button in enumerate(self.inline)}
        if line.lower() in letters:
            replies = await self.press(letters[line.lower()])
        elif number.startswith("#") and number[1:].isdigit():
            index = int(number[1:])
            if not 1 <= index <= len(self.keyboard):
                self.out.write(f"{t('demo.no_such_button')}\n")
                return
            replies = await self.press(self.keyboard[index - 1])
        elif (number.isdigit() and 1 <= int(number) <= len(self.keyboard)
              and not self.takes_typed(line)):
            replies = await self.press(self.keyboard[int(number) - 1])
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
        render_buttons(self.inline, self.keyboard, self.out, self.keyboard != before,
                       typed_answer=self.takes_typed("1") and not is_choice_keyboard(self.keyboard))
        self.out.flush()

    def takes_typed(self, text: str) -> bool:
        """Whether the bot waits for a typed answer that this text would be: the keyboard is
        not a question's choices and a running conversation would take the text."""
        if is_choice_keyboard(self.keyboard):
            return False
        update = self.user.text_update(text)
        return any(conv.check_update(update) for conv in conversation_handlers(self.user.app))

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
    out = CleanStream(out)  # type: ignore[assignment]  # nothing typed drives the terminal
    store = await open_store(settings.demo_database)
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
        out.write(f"{t('demo.database')} {store.name}\n")  # a path or URL: not localised
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
