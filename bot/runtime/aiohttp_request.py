"""PTB's request layer on aiohttp: the same Bot API calls for half of httpx's CPU.

Measured against bench/local_bot_api.py (bench/api_call.py, docs/performance.md): one
sendMessage through PTB on httpx cost 3.2 ms of CPU, on aiohttp 1.6 ms (the clients
alone: 1.8 against 0.6 ms; aiohttp's HTTP parser is C). PTB's `BaseRequest` does everything
else (parameters, the status codes and their errors, retries); this class only moves
bytes: form-encoded parameters (`form_body`), or multipart when files are sent, and GET
for file downloads. Selected with `ABFA_HTTP_CLIENT=aiohttp` (bot/runtime/app.py `bot_request`).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # PTB's own HTTPXRequest uses it
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_body(params: dict[str, str]) -> bytes:
    """The parameters form-encoded with every byte of a value percent-encoded: what any
    form decoder reads back as `urlencode`'s body, but built in C. `urlencode` quotes
    Persian text one byte at a time in Python: 12 % of the bot's CPU in a profile.
    (Names are PTB's parameter names: ASCII letters and underscores.)"""
    return "&".join(f"{name}=%{value.encode().hex('%')}" if value else f"{name}="
                    for name, value in params.items()).encode("ascii")


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` with up to `connection_pool_size`
    kept-alive connections. The timeouts mean what HTTPXRequest's do: `pool_timeout` to
    get a connection, `connect_timeout` to open one, `read_timeout` between bytes of the
    answer; aiohttp has no write timeout, so a call's writing is bounded by the read
    timeout (plus `media_write_timeout` when it uploads files)."""

    def __init__(self, connection_pool_size: int = 64, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0
                 ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-poll timeout)."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Open the session (in the running event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, files: bool, **given: Any) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts from PTB's (a DefaultValue: this object's default)."""
        chosen = {name: self._timeouts[name] if isinstance(value, DefaultValue) else value
                  for name, value in given.items()}
        if files and isinstance(given["write"], DefaultValue):
            chosen["write"] = self._media_write_timeout
        read, write, connect, pool = (chosen[k] for k in ("read", "write", "connect", "pool"))
        waiting = None if pool is None or connect is None else pool + connect
        total = None if None in (read, write, waiting) else waiting + write + read
        return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect,
                                     sock_read=read)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE, pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; (status, body), or NetworkError / TimedOut."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and files:
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (file_name, content, mime) in request_data.multipart_data.items():
                body.add_field(name, content, filename=file_name, content_type=mime)
        elif request_data is not None:
            body, headers = form_body(request_data.json_parameters), FORM
        timeout = self._timeout(files, read=read_timeout, write=write_timeout,
                                connect=connect_timeout, pool=pool_timeout)
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as res:
                return res.status, await res.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
