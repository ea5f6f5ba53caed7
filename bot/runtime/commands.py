"""The commands menu (the «/» button): registered with Persian descriptions when the bot starts.

Telegram: `setMyCommands` (Bot API), the default scope, so every private chat sees them.

Bale: its Bot API copies Telegram's methods and URLs (https://tapi.bale.ai/bot<token>/<method>),
but whether it implements `setMyCommands` could not be confirmed (December 2026): the method
lists found for it (its documentation as indexed, the n8n Bale node, the python-bale-bot
wrapper, which wraps every endpoint it knows) do not include it. So the same call is made on
both platforms and a refusal is logged as a warning, never fatal: typed commands work either
way and /help lists them. Operators' commands (/ops, /outage) are not listed for subscribers.
"""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application

from bot.text.i18n import t

log = logging.getLogger(__name__)

COMMANDS = ("start", "bill", "subscriptions", "services", "track", "requests", "tariffs", "calc",
            "branchfee", "reading", "info", "incident", "help", "menu", "cancel")
"""Every subscriber command, in menu order; each has its description at commands.<name>."""


def bot_commands() -> list[BotCommand]:
    """The commands with their Persian descriptions."""
    return [BotCommand(name, t(f"commands.{name}")) for name in COMMANDS]


async def publish_commands(app: Application) -> bool:
    """Register the commands menu (post_init of the running bot); False if refused."""
    try:
        return bool(await app.bot.set_my_commands(bot_commands()))
    except TelegramError as exc:
        log.warning("the messenger refused setMyCommands (%s); commands still work when typed",
                    exc.__class__.__name__)
        return False
