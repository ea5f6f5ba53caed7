"""The commands menu registered at start (setMyCommands), on Telegram and on Bale."""

from __future__ import annotations

import json

from telegram.ext import CommandHandler

from bot.runtime.commands import COMMANDS, publish_commands
from bot.text.i18n import t


async def test_every_listed_command_exists_and_has_a_persian_description(running):
    handled = {c for group in running.app.handlers.values() for h in group
               for c in _commands(h)}
    assert set(COMMANDS) <= handled
    assert all(t(f"commands.{name}") for name in COMMANDS)


def _commands(handler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    found = set()
    for inner in [*getattr(handler, "entry_points", []),
                  *[h for hs in getattr(handler, "states", {}).values() for h in hs]]:
        found |= _commands(inner)
    return found


async def test_publish_sends_set_my_commands(running, api):
    assert await publish_commands(running.app)
    call = next(c for c in api.calls if c.method == "setMyCommands")
    sent = call.params["commands"]
    sent = json.loads(sent) if isinstance(sent, str) else sent
    assert [c["command"] for c in sent] == list(COMMANDS)
    assert sent[1]["description"] == t("commands.bill")


async def test_a_refusal_is_not_fatal(running, api, caplog):
    api.responder = lambda call: ((400, {"ok": False, "error_code": 400,
                                         "description": "Bad Request: method not found"})
                                  if call.method == "setMyCommands" else None)
    assert await publish_commands(running.app) is False
    assert "setMyCommands" in caplog.text
