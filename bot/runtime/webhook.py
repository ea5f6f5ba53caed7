"""Webhook mode, safe by default: only the messenger can post updates to the bot.

Whoever can POST an update to the webhook can pretend to be any user — an operator
included — so every update must prove it comes from the messenger:

* Telegram sends the `X-Telegram-Bot-Api-Secret-Token` header registered with
  setWebhook; it is always required. `ABFA_WEBHOOK_SECRET` sets it (1–256 characters of
  A–Z, a–z, 0–9, `_`, `-`); when it is not set, a random one is made at every start
  (setWebhook registers it again then). Several processes behind one webhook must share
  a set secret.
* Bale sends no such header (bot/runtime/platform.py), so the secret is in the webhook's path:
  `ABFA_WEBHOOK_SECRET` must be set, at least 128 bits of randomness written as 22 or
  more URL-safe characters (e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`),
  and the bot refuses to start in webhook mode without it.

The secret never reaches a log: the log handler redacts it (bot/runtime/logs.py) and the web
server's access log is muted. A reverse proxy in front must not log the path either
(README, «Webhook mode»).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.runtime.platform import PlatformProfile
from bot.runtime.settings import Settings, SettingsError

HEADER_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
PATH_SECRET = re.compile(r"[A-Za-z0-9_-]{22,256}")  # base64url: 22 characters ≥ 128 bits
MIN_DISTINCT = 12  # a long run of few characters is not random
MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


@dataclass(frozen=True)
class Webhook:
    """Where the webhook listens and what it requires."""

    path: str  # URL path on this server (no leading slash)
    url: str  # the public URL registered with setWebhook
    secret_token: str | None  # the header Telegram must send (None on Bale)


def plan(settings: Settings, profile: PlatformProfile) -> Webhook:
    """The safe webhook for these settings; SettingsError (naming the setting) when the
    configuration cannot be made safe."""
    assert settings.webhook_url is not None
    given = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    base = settings.webhook_url.rstrip("/")
    if profile.webhook_secret_header:
        if given is not None and not HEADER_SECRET.fullmatch(given):
            raise SettingsError(
                "ABFA_WEBHOOK_SECRET: Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ "
                f"and - only; make one with: {MAKE_ONE}")
        token = settings.token.get_secret_value() if settings.token else ""
        path = hashlib.sha256(token.encode()).hexdigest()[:32]
        return Webhook(path, f"{base}/{path}", given or secrets.token_urlsafe(32))
    if given is None or not PATH_SECRET.fullmatch(given) or len(set(given)) < MIN_DISTINCT:
        raise SettingsError(
            f"ABFA_WEBHOOK_SECRET: {profile.name.value} sends no secret header, so in webhook "
            "mode the webhook path must carry a secret of at least 128 bits: set "
            "ABFA_WEBHOOK_SECRET to 22 or more random URL-safe characters "
            f"(make one with: {MAKE_ONE}), or unset ABFA_WEBHOOK_URL to poll instead.")
    return Webhook(given, f"{base}/{given}", None)
