"""An in-process Bot API and simulated users: for the console demo, the tests and bench/.

`FakeBotAPI` is a `BaseRequest` that answers Bot API calls without a network and records
them. `SimUser` builds real `Update` objects for what a user does (text, commands, button
presses, contacts, locations, photos, files, and paying an invoice as Bale does it) and
feeds them to `Application.process_update`, returning the bot's replies.

Payments follow Bale's Bot API (bot/payments/bale.py): `sendInvoice` answers with a
message carrying an `invoice`; paying it is a `pre_checkout_query` update (answered with
`answerPreCheckoutQuery`) and, when the bot said ok, a message with `successful_payment`
carrying Bale's charge id.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.services.validation import MAGIC

BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "آبفا", "username": "abfa_demo_bot"}
SEND_METHODS = {
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage",
    "forwardMessage", "sendMediaGroup", "editMessageText", "editMessageReplyMarkup",
    "sendInvoice",
}


@dataclass
class ApiCall:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    files: tuple[str, ...] = ()

    @property
    def chat_id(self) -> int | None:
        """The chat the call is addressed to, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """The text or caption sent (an invoice: its title, description and price labels;
        a refused pre-checkout: its error message)."""
        if self.method == "sendInvoice":
            return "\n".join([str(self.params.get("title", "")),
                              str(self.params.get("description", "")),
                              *(str(p.get("label", "")) for p in _prices(self))])
        return str(self.params.get("text") or self.params.get("caption")
                   or self.params.get("error_message") or "")

    @property
    def markup(self) -> dict[str, Any]:
        """The reply markup as a dict (empty if none)."""
        value = self.params.get("reply_markup") or {}
        return json.loads(value) if isinstance(value, str) else value

    @property
    def keyboard(self) -> list[list[str]]:
        """Labels of a reply keyboard, by rows."""
        rows = self.markup.get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def inline(self) -> list[list[tuple[str, str]]]:
        """(label, callback data, URL or text to copy) of an inline keyboard, by rows."""
        rows = self.markup.get("inline_keyboard") or []
        return [[(b["text"], b.get("callback_data") or b.get("url")
                  or (b.get("copy_text") or {}).get("text") or "") for b in row]
                for row in rows]

    def button(self, label_part: str) -> str:
        """The callback data of the inline button whose label contains label_part."""
        for row in self.inline:
            for label, data in row:
                if label_part in label:
                    return data
        raise LookupError(f"no inline button {label_part!r} in {self.inline}")


Responder = Callable[[ApiCall], "tuple[int, dict[str, Any]] | Exception | None"]


class FakeBotAPI(BaseRequest):
    """Answers Bot API calls in memory. `responder` may override any answer (errors, delays)."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.calls: list[ApiCall] = []
        self.responder = responder
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self.record = True
        # file id -> (first bytes, size, whether getFile reports the size); a file the
        # bot downloads is those bytes padded with zeros to its size
        self.files: dict[str, tuple[bytes, int, bool]] = {}

    def add_file(self, file_id: str, head: bytes, size: int, report_size: bool = True) -> None:
        """A file users can send and the bot can download."""
        self.files[file_id] = (head, size, report_size)

    def content(self, file_id: str) -> bytes:
        """What downloading a file gives (an unknown file: a small JPEG)."""
        head, size, _ = self.files.get(file_id, (MAGIC["image/jpeg"], 1000, True))
        return head + bytes(max(0, size - len(head)))

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = None, write_timeout: Any = None,
        connect_timeout: Any = None, pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one call: the responder's answer if it gives one, else a plausible result."""
        name = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a file download (File.download_*)
            return 200, self.content(name)
        params = dict(request_data.parameters) if request_data else {}
        files = tuple(request_data.multipart_data) if request_data and request_data.contains_files else ()
        call = ApiCall(name, params, files)
        if self.responder is not None:
            answer = self.responder(call)
            if isinstance(answer, Exception):
                raise answer
            if answer is not None:
                code, body = answer
                if code == 200 and self.record:
                    self.calls.append(call)
                return code, json.dumps(body).encode()
        if self.record:
            self.calls.append(call)
        return 200, json.dumps({"ok": True, "result": self._result(call)}).encode()

    def _result(self, call: ApiCall) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method in SEND_METHODS:
            return self._message(call)
        if method == "getFile":
            file_id = str(params.get("file_id"))
            _, size, report = self.files.get(file_id, (b"", 1000, True))
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    **({"file_size": size} if report else {}), "file_path": f"documents/{file_id}"}
        if method == "getUpdates":
            return []
        return True

    def _message(self, call: ApiCall) -> dict[str, Any]:
        chat_id = call.chat_id or 0
        message: dict[str, Any] = {
            "message_id": int(call.params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group",
                     **({"title": "اپراتورها"} if chat_id < 0 else {})},
            "from": BOT_USER,
        }
        if call.method == "sendPhoto":
            n = next(self._file_ids)
            message["photo"] = [{"file_id": f"bot-photo-{n}", "file_unique_id": f"bp{n}",
                                 "width": 800, "height": 500}]
            if call.text:
                message["caption"] = call.text
        elif call.method == "sendDocument":
            n = next(self._file_ids)
            message["document"] = {"file_id": f"bot-doc-{n}", "file_unique_id": f"bd{n}"}
        elif call.method == "sendLocation":
            message["location"] = {"latitude": call.params.get("latitude", 0),
                                   "longitude": call.params.get("longitude", 0)}
        elif call.method == "sendInvoice":
            message["invoice"] = {"title": call.params.get("title", ""),
                                  "description": call.params.get("description", ""),
                                  "start_parameter": "", "currency": call.params.get("currency"),
                                  "total_amount": sum(int(p["amount"]) for p in _prices(call))}
        else:
            message["text"] = call.text or "…"
        if "inline_keyboard" in call.markup:
            message["reply_markup"] = call.markup
        return message

    def sent(self, since: int = 0) -> list[ApiCall]:
        """Calls that show something to a user (messages, photos, files, edits)."""
        return [c for c in self.calls[since:] if c.method in SEND_METHODS]


_update_ids = itertools.count(1)


def new_update_id(app: Application) -> int:
    """A new update id, above every one the database saw handled: as Telegram's ids keep
    growing, and the bot skips an update it handled already (bot/runtime/app.py) — the console
    demo or a test starts again on a database an earlier run used."""
    global _update_ids
    n = next(_update_ids)
    floor = int(getattr(app, "handled_floor", 0))
    if n <= floor:
        n = floor + 1
        _update_ids = itertools.count(n + 1)
    return n
# How a simulated file of each declared type begins (an .exe with "MZ", a zip with "PK").
CONTENT_OF = {**MAGIC, "application/zip": b"PK\x03\x04", "application/x-msdownload": b"MZ"}


class SimUser:
    """A user who talks to the application through real Update objects: in their private
    chat, or in a group when `chat` is given (e.g. {"id": -100…, "type": "supergroup",
    "title": …}); `sender_chat` posts as that chat (anonymous admins, channels)."""

    def __init__(self, app: Application, api: FakeBotAPI, user_id: int,
                 first_name: str = "مشترک", username: str | None = None, *,
                 chat: dict[str, Any] | None = None,
                 sender_chat: dict[str, Any] | None = None) -> None:
        self.app, self.api = app, api
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name,
                     **({"username": username} if username else {})}
        self.chat = chat or {"id": user_id, "type": "private", "first_name": first_name}
        self.sender_chat = sender_chat
        self._message_ids = itertools.count(1)
        self.replies: list[ApiCall] = []

    @property
    def id(self) -> int:
        """The user's id (in a private chat, also the chat's)."""
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        """The chat the user writes in."""
        return int(self.chat["id"])

    def _base_message(self, **content: Any) -> dict[str, Any]:
        sender = {"sender_chat": self.sender_chat} if self.sender_chat else {}
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": self.chat, "from": self.user, **sender, **content}

    async def _feed(self, payload: dict[str, Any]) -> list[ApiCall]:
        before = len(self.api.calls)
        data = {"update_id": new_update_id(self.app), **payload}
        await self.app.process_update(Update.de_json(data, self.app.bot))
        replies = [c for c in self.api.sent(before) if c.chat_id == self.chat_id]
        self.replies = replies
        return replies

    async def edit(self, message_id: int, text: str) -> list[ApiCall]:
        """Edit one of the user's earlier text messages (an `edited_message` update)."""
        message = self._base_message(text=text) | {"message_id": message_id,
                                                    "edit_date": int(time.time())}
        return await self._feed({"edited_message": message})

    def _text_message(self, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._base_message(**content)

    def text_update(self, text: str) -> Update:
        """The Update a text message of this user would be, without sending it (to ask the
        handlers whether they would take it)."""
        return Update.de_json({"update_id": 0, "message": self._text_message(text)}, self.app.bot)

    async def send(self, text: str) -> list[ApiCall]:
        """Send a text message; a leading /command gets its bot_command entity."""
        return await self._feed({"message": self._text_message(text)})

    async def press(self, data: str, message_id: int = 1) -> list[ApiCall]:
        """Press an inline button carrying `data` (forged data works the same way)."""
        query = {"id": str(next(_update_ids)), "from": self.user, "chat_instance": "ci",
                 "data": data, "message": self._base_message(text="…") | {
                     "message_id": message_id, "from": BOT_USER}}
        return await self._feed({"callback_query": query})

    async def tap(self, label_part: str) -> list[ApiCall]:
        """Press the inline button whose label contains label_part in the last replies."""
        for call in reversed(self.replies):
            try:
                return await self.press(call.button(label_part))
            except LookupError:
                continue
        raise LookupError(f"no inline button {label_part!r} in the last replies")

    async def share_contact(self, phone: str, user_id: int | None = None, *,
                            with_user_id: bool = True) -> list[ApiCall]:
        """Share a contact (own by default; another user's id when user_id is given;
        `with_user_id=False`: a contact that names no user, as Bale may send)."""
        contact = {"phone_number": phone, "first_name": self.user["first_name"],
                   **({"user_id": self.id if user_id is None else user_id}
                      if with_user_id else {})}
        return await self._feed({"message": self._base_message(contact=contact)})

    async def share_location(self, latitude: float, longitude: float) -> list[ApiCall]:
        """Share a map location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._feed({"message": self._base_message(location=location)})

    async def send_photo(self, caption: str | None = None, size: int = 150_000) -> list[ApiCall]:
        """Send a photo (as Telegram does: several sizes, each a JPEG)."""
        n = next(_update_ids)
        sizes = [{"file_id": f"photo-{n}-{w}", "file_unique_id": f"p{n}{w}", "width": w,
                  "height": w, "file_size": size * w // 1280} for w in (90, 320, 1280)]
        for each in sizes:
            self.api.add_file(each["file_id"], MAGIC["image/jpeg"], each["file_size"])
        extra = {"caption": caption} if caption else {}
        return await self._feed({"message": self._base_message(photo=sizes, **extra)})

    async def pre_checkout(self, payload: str, total_amount: int,
                           currency: str = "IRR") -> ApiCall:
        """Press «pay» on an invoice: Bale's pre_checkout_query; returns the bot's
        answerPreCheckoutQuery call (`params["ok"]`, `text` = its error message)."""
        before = len(self.api.calls)
        query = {"id": str(next(_update_ids)), "from": self.user, "currency": currency,
                 "total_amount": total_amount, "invoice_payload": payload}
        await self._feed({"pre_checkout_query": query})
        answers = [c for c in self.api.calls[before:] if c.method == "answerPreCheckoutQuery"]
        assert len(answers) == 1, f"expected one answer to the pre-checkout, got {answers}"
        return answers[0]

    async def successful_payment(self, payload: str, total_amount: int, charge_id: str,
                                 provider_charge_id: str = "",
                                 currency: str = "IRR") -> list[ApiCall]:
        """The message Bale sends after charging the user (the same charge id may come twice)."""
        payment = {"currency": currency, "total_amount": total_amount,
                   "invoice_payload": payload, "telegram_payment_charge_id": charge_id,
                   "provider_payment_charge_id": provider_charge_id or f"p-{charge_id}"}
        return await self._feed({"message": self._base_message(successful_payment=payment)})

    async def pay_invoice(self, invoice: ApiCall, charge_id: str) -> list[ApiCall]:
        """Pay an invoice the bot sent, as a user does: pre-checkout, then, if the bot said
        ok, the successful payment. Returns the replies (none when refused)."""
        amount = sum(int(p["amount"]) for p in _prices(invoice))
        payload = str(invoice.params["payload"])
        answer = await self.pre_checkout(payload, amount)
        if not answer.params.get("ok"):
            return []
        return await self.successful_payment(payload, amount, charge_id)

    async def send_document(self, file_name: str, mime_type: str, size: int, *,
                            head: bytes | None = None, report_size: bool = True
                            ) -> list[ApiCall]:
        """Send a file: its content starts as its MIME type's does (or with `head`);
        `report_size=False` leaves the size out of the update and of getFile."""
        n = next(_update_ids)
        content = CONTENT_OF.get(mime_type, b"") if head is None else head
        self.api.add_file(f"doc-{n}", content, size, report_size)
        doc = {"file_id": f"doc-{n}", "file_unique_id": f"d{n}", "file_name": file_name,
               "mime_type": mime_type, **({"file_size": size} if report_size else {})}
        return await self._feed({"message": self._base_message(document=doc)})


def _prices(call: ApiCall) -> list[dict[str, Any]]:
    prices = call.params.get("prices") or []
    return json.loads(prices) if isinstance(prices, str) else list(prices)


def text_of(calls: list[ApiCall]) -> str:
    """All texts and captions of some replies, joined by newlines."""
    return "\n".join(c.text for c in calls)
