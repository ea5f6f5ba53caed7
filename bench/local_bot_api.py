"""A small Bot API server on 127.0.0.1 for running the real bot process without a network.

It speaks enough of the Bot API for `python -m bot run` (polling): getMe, getUpdates
(long poll over a scripted queue, confirmed by `offset` as Telegram does), deleteWebhook,
setMyCommands, send*/edit*/answerCallbackQuery/deleteMessage, getFile and file downloads.
Every message the bot delivers is recorded in memory and, when `log_path` is given, as one
JSON line. `per_second` makes it answer 429 (flood, `retry_after`) beyond that many sends
in any one-second window, as Telegram does.

    python -m bench.local_bot_api --port 8081 --log bench/out/delivered.jsonl
    ABFA_TOKEN=123456:fake ABFA_BASE_URL=http://127.0.0.1:8081/bot \
        ABFA_BASE_FILE_URL=http://127.0.0.1:8081/file/bot python -m bot run
"""

from __future__ import annotations

import argparse
import collections
import email.parser
import email.policy
import itertools
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "آبفا", "username": "abfa_local_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendMediaGroup",
                "copyMessage", "forwardMessage", "editMessageText", "editMessageReplyMarkup",
                "editMessageCaption"}


@dataclass
class Delivery:
    """One message the bot made the server show to a user."""

    seq: int
    method: str
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    at: float

    def inline_data(self) -> list[str]:
        """Callback data of the inline buttons, in order."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b.get("callback_data", "") for row in rows for b in row]

    def button(self, label_part: str) -> str | None:
        """Callback data of the inline button whose label contains label_part."""
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for b in row:
                if label_part in b.get("text", ""):
                    return b.get("callback_data")
        return None


class LocalBotAPI:
    """The server and its state; `start()` serves in a background thread."""

    def __init__(self, port: int = 0, log_path: Path | None = None,
                 per_second: float | None = None) -> None:
        self.log_path = log_path
        self.per_second = per_second
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self._seq = itertools.count(1)
        self._recent_sends: collections.deque[float] = collections.deque()
        self.deliveries: list[Delivery] = []
        self.webhook: dict[str, Any] | None = None
        self.calls: collections.Counter[str] = collections.Counter()
        self.floods = 0
        self.polls = 0
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._thread: threading.Thread | None = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text("", encoding="utf-8")

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """ABFA_BASE_URL for the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """ABFA_BASE_FILE_URL for the bot."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> LocalBotAPI:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake every long poll."""
        with self._lock:
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # --- the scripted side -------------------------------------------------------------

    def push(self, payload: dict[str, Any]) -> int:
        """Queue an update (`{"message": …}` or `{"callback_query": …}`); return its id."""
        with self._lock:
            update_id = next(self._next_update)
            self._updates.append({"update_id": update_id, **payload})
            self._lock.notify_all()
        return update_id

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return len(self._updates)

    def delivered(self, chat_id: int | None = None, since: int = 0) -> list[Delivery]:
        """Deliveries (optionally to one chat) with seq greater than `since`."""
        with self._lock:
            return [d for d in self.deliveries
                    if d.seq > since and (chat_id is None or d.chat_id == chat_id)]

    def last_seq(self) -> int:
        """The seq of the latest delivery (0 when none)."""
        with self._lock:
            return self.deliveries[-1].seq if self.deliveries else 0

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds (re-checked on every delivery) or the timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.2))
        return True

    # --- the Bot API side --------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body for one Bot API call."""
        self.calls[method] += 1
        if method == "setWebhook":
            self.webhook = dict(params)  # the URL and secret the bot registered
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method in SEND_METHODS:
            flood = self._flood()
            if flood:
                return 429, {"ok": False, "error_code": 429,
                             "description": f"Too Many Requests: retry after {flood}",
                             "parameters": {"retry_after": flood}}
            return 200, {"ok": True, "result": self._deliver(method, params)}
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            return 200, {"ok": True, "result": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                                "file_size": 1000,
                                                "file_path": f"documents/{file_id}"}}
        if method == "getChat":
            chat_id = int(params.get("chat_id", 0))
            return 200, {"ok": True, "result": {"id": chat_id, "type": "private"}}
        if method == "getMyCommands":
            return 200, {"ok": True, "result": []}
        return 200, {"ok": True, "result": True}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._lock:
            self.polls += 1
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(min(left, 0.5))
            return list(self._updates[:limit])

    def _flood(self) -> int:
        if self.per_second is None:
            return 0
        now = time.monotonic()
        with self._lock:
            while self._recent_sends and now - self._recent_sends[0] >= 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= self.per_second:
                self.floods += 1
                return 1
            self._recent_sends.append(now)
        return 0

    def _deliver(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup) if markup else None
        text = str(params.get("text") or params.get("caption") or "")
        with self._lock:
            message_id = int(params.get("message_id") or next(self._message_ids))
            delivery = Delivery(next(self._seq), method, chat_id, message_id, text, markup,
                                time.time())
            self.deliveries.append(delivery)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(asdict(delivery), ensure_ascii=False) + "\n")
            self._lock.notify_all()
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER}
        if method == "sendPhoto":
            message["photo"] = [{"file_id": f"bot-photo-{message_id}",
                                 "file_unique_id": f"bp{message_id}", "width": 800,
                                 "height": 500}]
        elif method == "sendDocument":
            message["document"] = {"file_id": f"bot-doc-{message_id}",
                                   "file_unique_id": f"bd{message_id}"}
        else:
            message["text"] = text or "…"
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the server's own access log is not wanted."""

            def do_GET(self) -> None:
                if self.path.startswith("/file/"):
                    self._send(200, b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
                    return
                self._api(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                self._api(parse_body(self.headers.get("Content-Type") or "", body))

            def _api(self, params: dict[str, Any]) -> None:
                method = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1]
                status, payload = api.answer(method, params)
                self._send(status, json.dumps(payload, ensure_ascii=False).encode(),
                           "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


class _Server(ThreadingHTTPServer):
    """A threading server that does not print a traceback when a killed client left."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore connections the (killed) bot dropped; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form, multipart or JSON parameters of a Bot API call (file parts become their name)."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                params[str(name)] = f"<file {part.get_filename()}>"
            else:
                params[str(name)] = part.get_payload(decode=True).decode("utf-8")
        return params
    return dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def main() -> None:
    """Serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--log", type=Path, default=Path("bench/out/delivered.jsonl"))
    parser.add_argument("--per-second", type=float, default=None)
    args = parser.parse_args()
    server = LocalBotAPI(args.port, args.log, args.per_second).start()
    print(f"Bot API on {server.base_url} (files {server.base_file_url}); log {args.log}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
