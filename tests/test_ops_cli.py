"""`python -m bot ops …`: the same workflow as the bot's buttons, from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import re

import pytest

from bot.domain.identifiers import format_code
from bot.runtime.settings import Settings
from bot.store import open_store
from bot.text import fmt
from bot.text.i18n import t
from bot.tools import ops_cli
from bot.tools.simulator import FakeBotAPI
from tests.notify_fixtures import blocked
from tests.test_operators_flow import APPLICANT, new_request


def parse(*argv: str) -> argparse.Namespace:
    """Parse an `ops` command line as bot/runtime/cli.py does."""
    parser = argparse.ArgumentParser()
    ops_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["ops", "--actor", "backoffice", *argv])


async def ops(settings: Settings, *argv: str, api: FakeBotAPI | None = None) -> int:
    """Run one ops command on the test database."""
    return await ops_cli.run(parse(*argv), settings, request=api)


async def test_whole_pass_from_the_command_line(running, settings, capsys) -> None:
    code = await new_request(running)
    await running.store.close()  # the CLI is another process on the same database
    assert await ops(settings, "list") == 0
    listed = capsys.readouterr().out
    assert format_code(code) in listed and "خرید آب تانکری" in listed
    assert not re.search(r"[A-Za-z]", listed)  # Persian for the clerk
    assert await ops(settings, "list", "--tsv") == 0
    assert capsys.readouterr().out.startswith(f"{code}\tservice\ttanker_water\tregistered")
    assert await ops(settings, "list", "--service", "sewage_branch") == 0
    assert format_code(code) not in capsys.readouterr().out
    assert await ops(settings, "show", format_code(code)) == 0
    shown = capsys.readouterr().out
    assert "مریم رضایی" in shown and "file-photo-1" in shown
    # no field keys, document ids or English but the file ids the messenger needs
    people = [line for line in shown.splitlines() if "file-" not in line]
    assert not [line for line in people if re.search(r"[A-Za-z]", line)], people
    assert t("ops.cli_numbered", number=4, title="پرداخت صورتحساب، مراجعه به ایستگاه توزیع و "
             "دریافت آب تانکری") in shown
    assert await ops(settings, "move", code, "--note", "بررسی شد") == 0
    assert capsys.readouterr().out.strip() == t(
        "ops.done_move", code=format_code(code), stage="ارزیابی و امکان‌سنجی تخصیص آب تانکری")
    assert await ops(settings, "move", code, "۴") == 0  # the stage's number in `show`
    assert await ops(settings, "invoice", code, "۱٬۲۰۰٬۰۰۰") == 0
    assert await ops(settings, "ask-document", code, "یک قطعه عکس متقاضی", "--note", "ناخوانا") == 0
    assert await ops(settings, "note", code, "تماس تلفنی") == 0
    assert await ops(settings, "close", code) == 1  # not a terminal: only with --yes
    assert t("ops.cli_needs_yes") in capsys.readouterr().err
    assert await ops(settings, "close", code, "--yes") == 0
    capsys.readouterr()

    api = FakeBotAPI()
    assert await ops(settings, "notify-pending", api=api) == 0
    assert t("ops.cli_outbox", sent=5, failed=0, retried=0, floods=0) in capsys.readouterr().out
    texts = [c.text for c in api.calls if c.method == "sendMessage" and c.chat_id == APPLICANT]
    assert len(texts) == 5 and "بسته شد" in texts[-1]

    store = await open_store(settings.database)
    try:
        request = await store.request_row(code)
        assert request.status == "closed" and request.invoice_amount == 1_200_000
        assert request.stage == "delivery"
        audit = await store.request_rows(request.id, "audit")
        assert [r["action"] for r in audit if r["actor"] == "cli:backoffice"] == [
            "move", "move", "invoice", "ask_document", "note", "close"]
    finally:
        await store.close()


async def test_show_has_the_notes_with_who_and_when(running, settings, capsys) -> None:
    code = await new_request(running)
    await running.store.close()
    assert await ops(settings, "note", code, "مشترک تماس گرفت؛ فردا بازدید") == 0
    capsys.readouterr()
    assert await ops(settings, "show", code) == 0
    shown = capsys.readouterr().out
    assert t("ops.notes") in shown
    assert t("ops.note_item", moment="", actor=t("ops.actor_cli", name="backoffice"),
             note="مشترک تماس گرفت؛ فردا بازدید").split("— ", 1)[1] in shown


async def test_reject_needs_a_real_reason(running, settings, capsys) -> None:
    code = await new_request(running)
    await running.store.close()
    assert await ops(settings, "reject", code, "--reason", "ناقص", "--yes") == 1
    assert t("ops.error_reason_too_short") in capsys.readouterr().err
    assert await ops(settings, "reject", code, "--reason", "ملک خارج از محدوده است") == 1
    assert t("ops.cli_needs_yes") in capsys.readouterr().err
    assert await ops(settings, "reject", code, "--reason", "ملک خارج از محدوده است", "--yes") == 0
    assert capsys.readouterr().out.strip() == t("ops.done_reject", code=format_code(code))


@pytest.mark.parametrize(("argv", "error"), [
    (("move", "{code}", "no_such_stage"), "ops.error_unknown_stage"),
    (("move", "{code}", "registered"), "ops.error_same_stage"),
    (("invoice", "{code}", "-5"), "ops.error_bad_amount"),
    (("invoice", "{code}", "--from-tariff"), "ops.error_no_tariff"),
    (("ask-document", "{code}", "passport"), "ops.error_unknown_document"),
    (("reject", "{code}", "--reason", "  ", "--yes"), "ops.error_no_reason"),
    (("show", "12345678901"), "ops.error_not_found"),
    (("close", "abc"), "ops.error_not_found"),
])
async def test_refusals_change_nothing(running, settings, capsys, argv, error) -> None:
    code = await new_request(running)
    await running.store.close()
    assert await ops(settings, *(a.format(code=code) for a in argv)) == 1
    assert t(error) in capsys.readouterr().err
    store = await open_store(settings.database)
    try:
        request = await store.request_row(code)
        assert (request.status, request.stage, request.invoice_amount) == ("open", "registered",
                                                                          None)
        assert await store.outbox_messages(chat_id=APPLICANT) == []
    finally:
        await store.close()


async def test_outage_and_blocked_chat_from_the_command_line(running, settings, capsys) -> None:
    from tests.billing_fixtures import seed_subscriber
    from tests.test_jobs import linked

    subscriber = await seed_subscriber(running.store, zone=4)
    await linked(running, subscriber, 861)
    await linked(running, await seed_subscriber(running.store, zone=4), 862)
    await running.store.close()
    day = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    past = fmt.jalali_date(fmt.tehran_today() - dt.timedelta(days=1))
    when = ("--from", f"{day} 10:00", "--to", f"{day} ۱۴:۰۰")
    assert await ops(settings, "outage", "تبریز", "--from", f"{day} 10:00", "--to",
                     f"{day} 09:00", "--reason", "تعمیر") == 1
    assert t("ops.outage_error_order") in capsys.readouterr().err
    assert await ops(settings, "outage", "تبریز", "--from", f"{past} 10:00", "--to",
                     f"{past} 14:00", "--reason", "تعمیر") == 1
    assert t("ops.outage_error_past") in capsys.readouterr().err
    assert await ops(settings, "outage", "تبرز", *when, "--reason", "تعمیر") == 1
    assert t("ops.cli_place_suggest", text="تبرز", names="تبریز") in capsys.readouterr().err
    assert await ops(settings, "outage", "تبریز", "--zone", "۴", *when,
                     "--reason", "تعمیر شبکه") == 1  # previewed, not sent without --yes
    out = capsys.readouterr()
    assert "منطقه ۴ تبریز" in out.out and t("ops.cli_needs_yes") in out.err
    assert await ops(settings, "outage", "تبریز ۴", *when, "--reason", "تعمیر شبکه", "--yes") == 0
    assert t("ops.outage_sent", count=2) in capsys.readouterr().out
    api = FakeBotAPI(lambda call: blocked() if call.chat_id == 862 else None)
    assert await ops(settings, "notify-pending", api=api) == 0
    assert t("ops.cli_outbox", sent=1, failed=1, retried=0, floods=0) in capsys.readouterr().out
    store = await open_store(settings.database)
    try:
        assert (await store.chat(862)).blocked
    finally:
        await store.close()


def _cli(tmp_path, *argv: str, database: str | None = None):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ABFA_")}
    if database is not None:
        env["ABFA_DATABASE"] = database
    return subprocess.run([sys.executable, "-m", "bot", "ops", *argv], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


def test_without_a_database_the_cli_refuses_and_creates_nothing(tmp_path) -> None:
    for argv in (("list",), ("note", "12345678901", "یادداشت"), ("notify-pending",)):
        done = _cli(tmp_path, *argv)
        assert done.returncode == 1 and done.stdout == ""
        assert str(tmp_path / "data" / "abfa.sqlite3") in done.stderr
        assert t("ops.cli_no_database") in done.stderr
    assert not (tmp_path / "data").exists()
    done = _cli(tmp_path, "list", database=str(tmp_path / "elsewhere.sqlite3"))
    assert done.returncode == 1 and not (tmp_path / "elsewhere.sqlite3").exists()


async def test_the_cli_says_which_database_it_uses(running, settings, tmp_path) -> None:
    await new_request(running)
    await running.store.close()
    done = _cli(tmp_path, "list", database=str(settings.database))
    assert done.returncode == 0, done.stderr
    assert f"{t('ops.cli_database')} {settings.database}" in done.stderr


async def test_an_outage_reason_over_the_limit_is_refused_by_the_cli(running, settings,
                                                                   capsys) -> None:
    """Issue 10 item 16, from the command line (a 5,000-character reason was queued)."""
    from bot.notify.notices import MAX_OUTAGE_REASON
    from tests.billing_fixtures import seed_subscriber
    from tests.test_jobs import linked

    await linked(running, await seed_subscriber(running.store, zone=4), 871)
    await running.store.close()
    day = fmt.jalali_date(fmt.tehran_today() + dt.timedelta(days=1))
    assert await ops(settings, "outage", "تبریز", "--from", f"{day} 10:00", "--to",
                     f"{day} 14:00", "--reason", "ت" * 5000, "--yes") == 1
    assert t("ops.outage_error_reason", max=MAX_OUTAGE_REASON) in capsys.readouterr().err
    store = await open_store(settings.database)
    try:
        assert await store.outbox_messages() == []
    finally:
        await store.close()


async def test_the_outbox_view_shows_what_waits_and_why(running, settings, capsys) -> None:
    """Issue 10 items 8 and 13: `ops outbox` shows what is waiting and why, and stale ids."""
    from tests.notify_fixtures import FakeClock, fake_notifier, fill_outbox
    from tests.test_notifier import bad_gateway, upgraded

    old, new = -100_777, -1_001_234_567
    running.api.responder = lambda call: (
        upgraded(new) if call.chat_id == old else
        bad_gateway() if call.method == "sendMessage" else None)
    await fill_outbox(running.store, [*range(300, 310), old])
    clock = FakeClock()
    await fake_notifier(running.app.bot, running.store, clock,
                        stopping=lambda: clock.t > 600).run_forever()
    await running.store.close()
    settings = settings.model_copy(update={"operators_chat": old})
    assert await ops(settings, "outbox") == 0
    out = capsys.readouterr().out
    assert t("ops.cli_outbox_counts", pending=11, sent=0, failed=0) in out
    waiting = [line.split("\t") for line in out.splitlines() if line.count("\t") == 5]
    assert [(w[0], w[1], w[2], w[5]) for w in waiting] == [
        ("11", "11", "test", "NetworkError: Bad Gateway")]
    assert f"{old}\t{new}\t" in out and f"ABFA_OPERATORS_CHAT={new}" in out
    assert await ops(settings, "outbox", "--chat", str(new)) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()
            if line.count("\t") == 6]
    assert len(rows) == 1 and rows[0][1] == str(new) and rows[0][6].startswith("NetworkError")
