"""The central error handler and the log: an apology in Persian, the trace in the log,
the conversation not left stuck, and never the token."""

from __future__ import annotations

import logging

from telegram.ext import MessageHandler, filters

from bot.runtime.logs import RedactTokens, setup_logging
from bot.text.i18n import t

TOKEN = "7000000001:DEMO-no-network"


async def explode(update, ctx):
    """A handler with a bug."""
    raise ZeroDivisionError(f"bug near {TOKEN}")


async def test_a_bug_gets_an_apology_and_the_menu(running, caplog):
    running.app.add_handler(MessageHandler(filters.Regex("^boom$"), explode), group=-2)
    with caplog.at_level(logging.ERROR):
        replies = await running.user(50).send("boom")
    assert replies[-1].text == t("errors.internal")
    assert replies[-1].keyboard  # the way back: the main menu
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
    # the next message is handled normally
    assert (await running.user(50).send("/start"))[0].text.startswith("سلام")


def test_redaction_removes_tokens_from_messages_and_traces():
    redact = RedactTokens(("my-webhook-secret",))
    record = logging.LogRecord("x", logging.ERROR, __file__, 1,
                               "GET https://api.telegram.org/bot%s/getMe secret=%s",
                               (TOKEN.replace("DEMO-no-network", "AAH" * 12),
                                "my-webhook-secret"), None)
    try:
        raise RuntimeError(f"failed for bot123456:{'B' * 30}")
    except RuntimeError:
        import sys
        record.exc_info = sys.exc_info()
    redact.filter(record)
    assert "AAH" not in record.msg and "my-webhook-secret" not in record.msg
    assert "<token>" in record.msg
    assert "B" * 30 not in record.exc_text


def test_setup_logging_installs_the_redaction(capsys):
    secret = "123456:" + "Z" * 35
    setup_logging("INFO", (secret,))
    logging.getLogger("probe").warning("token is %s", secret)
    assert secret not in capsys.readouterr().err
