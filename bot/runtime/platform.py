"""Telegram or Bale: the same code, with Bale's known differences kept here in one place."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.settings import Platform, Settings


@dataclass(frozen=True)
class PlatformProfile:
    """What differs between the messengers the bot runs on."""

    name: Platform
    base_url: str
    base_file_url: str
    # Bale does not send the X-Telegram-Bot-Api-Secret-Token header: the webhook's path
    # carries the secret instead (bot/runtime/webhook.py).
    webhook_secret_header: bool
    # Bale's edits of messages that carry inline keyboards are unreliable: send a new message.
    edit_inline_messages: bool
    # Default per-second delivery limits (overall, per chat).
    messages_per_second: float
    messages_per_chat_second: float
    # Where a link to a bot's private chat starts (then the bot's username).
    chat_link: str


TELEGRAM = PlatformProfile(
    name=Platform.TELEGRAM,
    base_url="https://api.telegram.org/bot",
    base_file_url="https://api.telegram.org/file/bot",
    webhook_secret_header=True,
    edit_inline_messages=True,
    messages_per_second=30,
    messages_per_chat_second=1,
    chat_link="https://t.me/",
)

BALE = PlatformProfile(
    name=Platform.BALE,
    base_url="https://tapi.bale.ai/bot",
    base_file_url="https://tapi.bale.ai/file/bot",
    webhook_secret_header=False,
    edit_inline_messages=False,
    messages_per_second=20,
    messages_per_chat_second=1,
    chat_link="https://ble.ir/",
)


def profile_for(settings: Settings) -> PlatformProfile:
    """The platform profile, with the Bot API URLs overridden from the settings if set."""
    base = BALE if settings.platform is Platform.BALE else TELEGRAM
    return PlatformProfile(
        name=base.name,
        base_url=settings.base_url or base.base_url,
        base_file_url=settings.base_file_url or base.base_file_url,
        webhook_secret_header=base.webhook_secret_header,
        edit_inline_messages=base.edit_inline_messages,
        messages_per_second=settings.messages_per_second or base.messages_per_second,
        messages_per_chat_second=settings.messages_per_chat_second or base.messages_per_chat_second,
        chat_link=base.chat_link,
    )
