"""Issue 10 (hardening): each fault the outside audit reproduced, as a test of its fix.

Each test names the item of the issue it guards. The conversation tests drive the real
Application over the fake Bot API, like the rest of the suite.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.identifiers import SubscriptionNumber, format_code
from bot.runtime.settings import Settings, load_settings
from bot.services import catalog, workflow
from bot.services.catalog import service
from bot.services.drafts import plan
from bot.services.fees import expected_branch_fee
from bot.store import SqliteStore, open_store
from bot.store.engine import migration_files
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import echo, rials
from bot.text.i18n import t
from bot.tools.console import run_console
from bot.tools.demo_data import generate
from bot.tools.importer import ImportFileError, import_bills, import_subscribers
from handlers.request_steps import media_label
from tests.conftest import OPERATOR_ID, new_database
from tests.reliability_fixtures import RecordAll, conversation_state
from tests.requests_fixtures import answer_step, seed_subscriber
from tests.test_importer import GOOD_NUMBER
from tests.test_importer import HEADER as IMPORT_HEADER
from tests.test_importer import good_row as import_row
from tests.test_operators_flow import APPLICANT, new_request
from tests.test_ops_cli import ops as ops_cli_run

ROOT = Path(__file__).resolve().parents[1]
HUGE = str(2**63)  # one more than SQLite's largest integer


@pytest.fixture
def errors():
    """Every ERROR record logged during the test (the error handler logs each crash)."""
    log = RecordAll()
    logging.getLogger().addHandler(log)
    yield log
    logging.getLogger().removeHandler(log)


async def _request_waiting_for_document(store, chat_id: int, pending: str | None = "deed_or_permit"):
    request = await store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=chat_id, user_id=chat_id,
        stage="registered"))
    if pending:
        async with store.db.transaction() as conn:
            await conn.execute("UPDATE requests SET pending_document=? WHERE id=?",
                               (pending, request.id))
    return request


# item 11 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [f"bill:view:{HUGE}", f"bill:prev:1:{HUGE}", f"bill:how:{HUGE}",
                                  f"bill:why:{HUGE}", f"bill:chart:{HUGE}", f"bill:show:{HUGE}",
                                  f"req:show:{HUGE}", f"req:cancel:{HUGE}",
                                  f"req:cancel_yes:{HUGE}", f"req:doc:{HUGE}",
                                  f"subs:del:{HUGE}", f"subs:delok:{HUGE}",
                                  f"own:revoke:{HUGE}:1", f"own:revokeok:1:-{HUGE}",
                                  f"rate:{HUGE}:5"])
async def test_item11_huge_ids_in_callback_data_get_the_stale_button_answer(running, errors, data):
    replies = await running.user(610_101).press(data)
    assert [c.text for c in replies] == [t("common.expired_button")]
    assert not errors.errors()


async def test_item11_huge_ids_reach_no_query_anywhere(running, errors):
    user = running.user(610_102)
    await user.send("/reading")
    await user.press(f"sr:sub:{HUGE}")
    operator = running.user(OPERATOR_ID)
    for data in (f"op:q:-:-:{HUGE}:0", f"op:q:-:-:0:{HUGE}", f"op:open:{HUGE}",
                 f"op:stages:{HUGE}", f"op:fs:{HUGE}", f"op:fa:-:-:{HUGE}"):
        assert await operator.press(data), data
    assert not errors.errors(), errors.errors()[0].getMessage()


# item 22 ----------------------------------------------------------------------------------
async def test_item22_a_stale_send_document_button_leaves_no_draft(running):
    user = running.user(610_103)
    waiting = await _request_waiting_for_document(running.store, user.id)
    done = await _request_waiting_for_document(running.store, user.id, pending=None)
    await user.press(f"req:doc:{waiting.id}")
    assert conversation_state(running.app, user.id) == {"request_document": 0}
    replies = await user.press(f"req:doc:{done.id}")  # an old button: nothing pending there
    assert [c.text for c in replies] == [t("requests.no_document_pending")]
    assert conversation_state(running.app, user.id) == {}
    assert "request_document" not in running.app.user_data[user.id]


# item 7 -----------------------------------------------------------------------------------
GROUP = {"id": -100_777_001, "type": "supergroup", "title": "همسایه‌ها"}
OTHER_GROUP = {"id": -100_777_002, "type": "supergroup", "title": "ساختمان"}
ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688


async def _owner_with_bills(running, user_id: int):
    """A subscription on file whose owner proved it in their private chat."""
    await generate(running.store, 1, seed=5, periods=2)
    (sub,) = await running.store.sample_subscribers(1)
    await running.store.upsert_chat(user_id, user_id, "مالک", None)
    await running.store.link_subscription(user_id, sub.id, "خانه")
    await running.store.verify_link(user_id, sub.id)
    return sub


def _pointer_only(calls) -> bool:
    return bool(calls) and all(c.text == t("guard.private_only") for c in calls)


async def test_item7_in_a_group_one_members_proof_covers_no_one(running):
    await generate(running.store, 1, seed=6, periods=2)
    (sub,) = await running.store.sample_subscribers(1)
    owner = running.user(610_201, chat=GROUP)
    other = running.user(610_202, chat=GROUP)
    sent = []
    for user in (owner, other):
        sent += await user.send("/bill")
        sent += await user.send(sub.subscription_number)
        sent += await user.share_contact(sub.phone or "")
        sent += await user.send(t("menu.bills"))
    assert _pointer_only(sent), [c.text for c in sent]
    assert await running.store.links(GROUP["id"]) == []
    assert await running.store.links(owner.id) == []
    shown = " ".join(f"{c.text} {c.params}" for c in running.api.calls)
    assert sub.name not in shown and (sub.address or "-") not in shown


async def test_item7_no_personal_screen_is_sent_into_a_group(running):
    owner_id = 610_203
    sub = await _owner_with_bills(running, owner_id)
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=owner_id, user_id=owner_id,
        stage="registered", subscriber_id=sub.id, applicant={"name": "مالک محرمانه"},
        latitude=38.0811, longitude=46.2919,
        documents=(NewDocument("deed_or_permit", "photo", "secret-file", "secret-u"),)))
    bill = (await running.store.bills(sub.id))[0]
    owner = running.user(owner_id, chat=GROUP)
    start = len(running.api.calls)
    for data in (f"bill:show:{sub.id}", f"bill:view:{bill.id}", f"req:show:{request.id}",
                 "req:list"):
        assert _pointer_only(await owner.press(data)), data
    for text in ("/requests", f"/track {request.code}", "/subscriptions", "/reading"):
        assert _pointer_only(await owner.send(text)), text
    operator = running.user(OPERATOR_ID, chat=GROUP)
    assert _pointer_only(await operator.send("/ops"))
    group_calls = [c for c in running.api.calls[start:] if c.chat_id == GROUP["id"]]
    assert {c.method for c in group_calls} == {"sendMessage"}
    shown = " ".join(f"{c.text} {c.params}" for c in group_calls)
    for secret in ("secret-file", "38.0811", "مالک محرمانه", sub.name, sub.subscription_number):
        assert secret not in shown


async def test_item7_an_operators_review_in_the_group_goes_to_their_private_chat(running):
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=610_204, user_id=610_204,
        stage="registered", latitude=38.0811, longitude=46.2919,
        documents=(NewDocument("deed_or_permit", "photo", "secret-file", "secret-u"),)))
    operator = running.user(OPERATOR_ID, chat=GROUP)
    start = len(running.api.calls)
    assert await operator.press(f"op:open:{request.code}") == []  # nothing into the group
    private = [c for c in running.api.calls[start:] if c.chat_id == OPERATOR_ID]
    assert {c.method for c in private} == {"sendLocation", "sendPhoto", "sendMessage"}
    answer = [c for c in running.api.calls[start:] if c.method == "answerCallbackQuery"]
    assert answer[0].params.get("text") == t("guard.operator_sent")

    def refuse_private(call):  # the operator never started the bot privately
        if call.chat_id == OPERATOR_ID:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot can't initiate conversation with a user"}
        return None

    running.api.responder = refuse_private
    replies = await operator.press(f"op:open:{request.code}")
    assert _pointer_only(replies)
    assert replies[0].inline[0][0][1] == "https://t.me/abfa_demo_bot"


# item 15 ----------------------------------------------------------------------------------
async def test_item15_an_edited_message_is_not_the_answer_to_the_current_step(running):
    await generate(running.store, 1, seed=8, periods=1)
    (sub,) = await running.store.sample_subscribers(1)
    user = running.user(610_301)
    await user.send(t("menu.bills"))
    replies = await user.edit(1, sub.subscription_number)  # an old message, edited
    assert [c.text for c in replies] == [t("guard.edits_ignored")]
    assert conversation_state(running.app, user.id) == {"bills": 0}
    assert "bills" not in running.app.user_data[user.id]  # no lookup, no proof asked
    in_group = running.user(610_302, chat=GROUP)
    assert await in_group.edit(1, "/bill") == []  # in a group: silence


# item 23: Telegram's shared sender ids --------------------------------------------------
@pytest.mark.parametrize("shared", [ANONYMOUS_ADMIN, CHANNEL_BOT])
async def test_item23_shared_sender_ids_get_no_state_across_groups(running, shared):
    await generate(running.store, 1, seed=9, periods=1)
    (sub,) = await running.store.sample_subscribers(1)
    for group in (GROUP, OTHER_GROUP):
        sender = running.user(shared, "Group", chat=group, sender_chat=group)
        assert _pointer_only(await sender.send("/bill"))
        await sender.send(sub.subscription_number)
        await sender.press(f"bill:show:{sub.id}")
    assert not running.app.user_data.get(shared)
    assert conversation_state(running.app, shared) == {}
    assert await running.store.lookup_subjects() == 0  # no throttle bucket either
    assert await running.store.links(GROUP["id"]) == []


# item 4 (and 21, and issue 14 item 6) ----------------------------------------------------
async def test_item4_the_service_requests_subscription_step_is_throttled(running):
    limit = running.settings.lookups_per_minute
    await generate(running.store, 3, seed=10, periods=1)
    numbers = [s.subscription_number for s in await running.store.sample_subscribers(3)]
    user = running.user(610_401)
    await user.press("svc:start:extra_siphon")
    texts = []
    for n in range(limit + 5):
        replies = await user.send(SubscriptionNumber.build("11", "0003", f"{n:05d}").digits)
        texts.append(replies[0].text)
        await user.press("svc:start:extra_siphon")  # back to the subscription step
    throttled = re.compile(re.escape(t("common.throttled", seconds=99)).replace("۹۹", ".+"))
    assert not any(throttled.fullmatch(x) for x in texts[:limit])
    assert all(throttled.fullmatch(x) for x in texts[limit:]), texts[limit:]
    replies = await user.send(numbers[0])  # even a number on file: no answer either way
    assert throttled.fullmatch(replies[0].text)


async def _sewage_summary(running, user, number: str) -> str:
    svc = catalog.service("sewage_branch")
    replies = await user.press(f"svc:start:{svc.id}")
    for step in plan(svc)[:-1]:
        replies = await answer_step(user, svc, step.kind, step.item, number)
    return replies[-1].text


async def test_item4_the_sewage_summary_prices_only_a_proven_subscription(running):
    svc = catalog.service("sewage_branch")
    stranger = await seed_subscriber(running.store, units=7, phone="09121110000")
    answers = {"sewage_diameter": svc.field("sewage_diameter").choices()[0].id}
    fee = expected_branch_fee(svc, stranger, answers)
    assert fee  # the units show through this amount
    summary = await _sewage_summary(running, running.user(610_402), stranger.subscription_number)
    assert rials(fee) not in summary and svc.fees.text in summary
    owner = running.user(610_403)
    await running.store.upsert_chat(owner.id, owner.id, "مالک", None)
    await running.store.link_subscription(owner.id, stranger.id, "خانه")
    await running.store.verify_link(owner.id, stranger.id)
    assert rials(fee) in await _sewage_summary(running, owner, stranger.subscription_number)


async def test_item4_the_limit_holds_across_processes(settings, store):
    other = await open_store(settings.database)  # a second bot process
    try:
        waits = [await s.take_lookup("number", 42, 3) for s in (store, other, store, other)]
    finally:
        await other.close()
    assert waits[:3] == [0, 0, 0] and waits[3] > 0


async def test_item21_idle_buckets_expire(store):
    for user in range(200):
        assert await store.take_lookup("number", user, 10, now=1000.0) == 0
    assert await store.lookup_subjects() == 200
    assert await store.take_lookup("track", 7, 10, now=1061.0) == 0  # a minute later
    assert await store.lookup_subjects() == 1


async def test_item7_migration_008_voids_proofs_made_in_groups(engine, tmp_path, request,
                                                             monkeypatch):
    async with new_database(engine, tmp_path, request, "old") as path:
        await _migration_008_voids_proofs_made_in_groups(engine, path, monkeypatch)


async def _migration_008_voids_proofs_made_in_groups(engine, path, monkeypatch):
    before_008 = [(n, p) for n, p in migration_files(engine) if n != 8]  # a database without it
    monkeypatch.setattr(f"bot.store.{engine}.migration_files", lambda *_: before_008)
    old = await open_store(path)
    sub = await seed_subscriber(old)
    for chat in (GROUP["id"], 610_501):
        await old.upsert_chat(chat, 610_501, "عضو", None)
        await old.set_verified_phone(chat, "09121112233")
        await old.link_subscription(chat, sub.id, "خانه")
        await old.verify_link(chat, sub.id)
    await old.close()
    monkeypatch.undo()
    store = await open_store(path)
    try:
        assert await store.links(GROUP["id"]) == []
        assert (await store.chat(GROUP["id"])).phone is None
        assert [link.verified for link in await store.links(610_501)] == [True]
        assert (await store.chat(610_501)).phone == "09121112233"
    finally:
        await store.close()


# item 6 -----------------------------------------------------------------------------------
SECOND_OPERATOR = 900_002


@pytest.fixture
def settings(database) -> Settings:
    """Two operators (the item 6 races need them)."""
    return load_settings(database=database,
                         operators=frozenset({OPERATOR_ID, SECOND_OPERATOR}), emergency_phone="۱۲۲")


async def _two_operators_at_one_card(running):
    code = await new_request(running)
    ops = [running.user(OPERATOR_ID, "اپراتور"), running.user(SECOND_OPERATOR, "همکار")]
    for op in ops:
        await op.press(f"op:open:{code}")
    return code, ops


async def test_item6_two_operators_pressing_next_move_the_request_once(running):
    code, ops = await _two_operators_at_one_card(running)
    label = t("ops.button_next", stage=service("tanker_water").stage("assessment").title)
    for op in ops:
        await op.tap(label)
    answers = await asyncio.gather(*(op.send("بررسی شد") for op in ops))
    texts = sorted(r[0].text for r in answers)
    assert texts == sorted([t("ops.done_move", code=format_code(code), stage=service(
        "tanker_water").stage("assessment").title), t("ops.error_stale")])
    request = await running.store.request_row(code)
    assert request.stage == "assessment"
    outbox = await running.store.outbox_messages(request_id=request.id, chat_id=APPLICANT)
    assert [r["kind"] for r in outbox] == ["stage"]
    stale = next(r for r in answers if r[0].text == t("ops.error_stale"))
    assert stale[-1].inline  # the refused operator sees the card as it is now


async def test_item6_a_second_invoice_does_not_overwrite_the_first(running):
    code, ops = await _two_operators_at_one_card(running)
    for op in ops:
        await op.tap(t("ops.button_invoice"))
    first = await ops[0].send("۲٬۰۰۰٬۰۰۰")
    second = await ops[1].send("۳٬۰۰۰٬۰۰۰")
    assert first[0].text.startswith("✅") and second[0].text == t("ops.error_stale")
    request = await running.store.request_row(code)
    assert request.invoice_amount == 2_000_000
    outbox = await running.store.outbox_messages(request_id=request.id, chat_id=APPLICANT)
    assert [r["kind"] for r in outbox] == ["invoice"]
    # a button of the old card is refused at once, before any note is asked
    replies = await ops[1].press(f"op:act:next:{code}:0")
    assert replies[0].text == t("ops.error_stale")


async def test_item6_the_cli_acts_only_on_the_state_it_expects(running, settings, capsys):
    code = await new_request(running)
    await running.store.close()
    assert await ops_cli_run(settings, "move", code, "--expect-stage", "registered") == 0
    assert await ops_cli_run(settings, "move", code, "--expect-stage", "registered") == 1
    assert t("ops.error_stale") in capsys.readouterr().err
    assert await ops_cli_run(settings, "show", code) == 0
    shown = capsys.readouterr().out
    version = next(v for v in range(10) if t("ops.cli_version", version=v) in shown)
    assert await ops_cli_run(settings, "invoice", code, "۱۰۰۰۰۰", "--expect-version",
                             str(version - 1)) == 1
    assert await ops_cli_run(settings, "invoice", code, "۱۰۰۰۰۰", "--expect-version",
                             str(version)) == 0
    store = await open_store(settings.database)
    try:
        request = await store.request_row(code)
        assert (request.stage, request.invoice_amount) == ("assessment", 100_000)
    finally:
        await store.close()


# item 12 ----------------------------------------------------------------------------------
LONG = "آب" * 2048 + "x"  # 4,097 characters, as pasted


async def _calculator_at_units(user):
    replies = await user.send("/calc")
    for prefix in ("calc:s:", "calc:u:", "calc:c:"):
        data = next(d for c in replies for row in c.inline for _, d in row if d.startswith(prefix))
        replies = await user.press(data)
    return replies


async def test_item12_replies_that_echo_the_user_stay_within_the_limit(running):
    user = running.user(610_601)
    await _calculator_at_units(user)
    replies = await user.send(LONG)
    assert replies and all(len(c.text) <= 4096 for c in replies)
    assert echo(LONG) in replies[0].text and LONG not in replies[0].text
    sub = await seed_subscriber(running.store)
    await running.store.upsert_chat(user.id, user.id, "مشترک", None)
    await running.store.link_subscription(user.id, sub.id, "خانه")
    await running.store.verify_link(user.id, sub.id)
    await user.send("/reading")
    replies = await user.send(LONG)
    assert replies and all(len(c.text) <= 4096 for c in replies)
    assert echo(LONG) in replies[0].text


async def test_item12_every_send_fits_the_bot_api_limits_by_construction(running):
    bot, api = running.app.bot, running.api
    await bot.send_message(610_602, "ب" * 5000)
    await bot.send_photo(610_602, "file-id", caption="پ" * 2000)
    await bot.send_message(610_602, "💧" * 3000)  # two UTF-16 units each
    sent = api.sent()[-3:]
    assert [len(c.text) for c in sent[:2]] == [4096, 1024]
    assert all(c.text.endswith("…") for c in sent)
    assert len(sent[2].text.encode("utf-16-le")) // 2 <= 4096
    with pytest.raises(ValueError, match="callback data"):
        await bot.send_message(610_602, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("دکمه", callback_data="op:" + "۱" * 40)]]))
    assert api.calls[-1].method == "sendMessage" and api.calls[-1].text.startswith("💧")


# item 17 ----------------------------------------------------------------------------------
NASTY = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eexe.fdp\u202c"


def _clean_for_a_terminal(text: str) -> bool:
    return not any(ch in text for ch in ("\x1b", "\x07", "\x9b", "\u202e", "\u202c"))


async def test_item17_terminal_outputs_strip_what_applicants_typed(running, settings, capsys):
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=610_701, user_id=610_701,
        stage="registered", applicant={"full_name": f"علی {NASTY}"},
        fields={"reason": f"واحد {NASTY}"}))
    await workflow.add_note(running.store, request.code, f"یادداشت {NASTY}", "cli:test")
    await workflow.move(running.store, request.code, None, "cli:test", f"مرحله {NASTY}")
    await running.store.close()
    for argv in (("show", request.code), ("list",)):
        assert await ops_cli_run(settings, *argv) == 0
        out = capsys.readouterr().out
        assert out and _clean_for_a_terminal(out), repr(out[:300])
    assert format_code(request.code) in out  # the list was printed


async def test_item17_the_console_demo_strips_them_too(tmp_path):
    settings = load_settings(demo_database=tmp_path / "demo.sqlite3")
    out = io.StringIO()
    await run_console(settings, io.StringIO(f"{NASTY}\n/quit\n"), out, demo_size=20)
    text = out.getvalue()
    assert "pwned" in text and _clean_for_a_terminal(text)  # the typed line, cleaned


# item 18 ----------------------------------------------------------------------------------
async def test_item18_a_csv_with_a_column_given_twice_imports_nothing(store, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(IMPORT_HEADER.replace("units", "units,units")
                    + import_row().replace(",2,", ",2,9,"), encoding="utf-8")
    with pytest.raises(ImportFileError, match="more than once"):
        await import_subscribers(store, path)
    assert await store.subscribers_count() == 0


async def test_item18_a_25_digit_balance_rejects_its_row_with_a_reason(store, tmp_path):
    subscribers = tmp_path / "s.csv"
    subscribers.write_text(IMPORT_HEADER + import_row(), encoding="utf-8")
    assert (await import_subscribers(store, subscribers)).imported == 1
    bills = tmp_path / "b.csv"
    bills.write_text(
        "subscription_number,year,period,prev_reading_date,curr_reading_date,prev_reading,"
        "curr_reading,previous_balance\n"
        f"{GOOD_NUMBER},1404,5,1404/08/28,1404/10/28,100,140,{'9' * 25}\n"
        f"{GOOD_NUMBER},1404,6,1404/10/28,1404/12/28,140,170,0\n", encoding="utf-8")
    report = await import_bills(store, bills, accept_valid=True)
    assert report.imported == 1
    [(line, reasons)] = report.rejected
    assert line == 2 and reasons[0].startswith("previous_balance: 25 digits")


# item 19 ----------------------------------------------------------------------------------
REJECTED = "5550001111:AAH-revoked-token_ABCDEFGHIJKLMNOPQRS"


class _RejectEveryToken(BaseHTTPRequestHandler):
    def _reject(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST = _reject

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def rejecting_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectEveryToken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("argv", [("run",), ("ops", "notify-pending")])
async def test_item19_a_token_the_server_rejects_appears_in_no_output(tmp_path, rejecting_api,
                                                                     argv):
    await (await SqliteStore(tmp_path / "db.sqlite3").open()).close()  # the bot's database
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_TOKEN": REJECTED, "ABFA_BASE_URL": f"{rejecting_api}/bot",
           "ABFA_BASE_FILE_URL": f"{rejecting_api}/file/bot",
           "ABFA_DATABASE": str(tmp_path / "db.sqlite3"), "PYTHONWARNINGS": "ignore"}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", *argv],
                                   env=env, cwd=ROOT, capture_output=True, text=True,
                                   timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-2000:]
    assert "ABFA_TOKEN" in output  # a clear message naming the setting
    assert REJECTED not in output and REJECTED.split(":")[1] not in output, output[-2000:]


# item 23: the rest of the suspicions ------------------------------------------------------
async def test_item23_a_contact_that_names_no_user_proves_nothing(running, caplog):
    await generate(running.store, 1, seed=13, periods=1)
    (sub,) = await running.store.sample_subscribers(1)
    user = running.user(610_801)
    await user.send(t("menu.bills"))
    asked = await user.send(sub.subscription_number)  # the proof is asked for
    assert any(b.get("request_contact") for c in asked for row in c.markup.get("keyboard", [])
               for b in row if isinstance(b, dict))
    with caplog.at_level(logging.WARNING):
        replies = await user.share_contact(sub.phone or "", with_user_id=False)
    assert [c.text for c in replies] == [t("guard.contact_no_owner")]
    assert await running.store.links(user.id) == []
    chat = await running.store.chat(user.id)
    assert chat is None or chat.phone is None
    assert "names no user" in caplog.text and (sub.phone or "-") not in caplog.text
    replies = await user.share_contact(sub.phone or "")  # a contact the messenger vouches for
    assert [link.verified for link in await running.store.links(user.id)] == [True]


async def _at_first_document(running, user_id: int):
    sub = await seed_subscriber(running.store)
    user = running.user(user_id)
    svc = catalog.service("extra_siphon")
    await user.press(f"svc:start:{svc.id}")
    for step in plan(svc):
        if step.kind == "document":
            return user, svc.document(step.item)
        await answer_step(user, svc, step.kind, step.item, sub.subscription_number)
    raise AssertionError("no document step")


async def test_item23_a_document_without_a_size_is_measured_after_download(running):
    user, doc = await _at_first_document(running, 610_802)
    limit = running.settings.max_document_mb
    replies = await user.send_document("deed.pdf", "application/pdf", (limit + 2) * 2**20,
                                       report_size=False)
    assert replies[0].text == t("requests.too_big", limit=limit, title=doc.title)
    assert running.app.user_data[user.id]["service_request"]["documents"] == []
    replies = await user.send_document("deed.pdf", "application/pdf", 300_000,
                                       report_size=False)
    assert replies[0].text.startswith(t("requests.document_saved", title=doc.title) + "\n\n")
    [saved] = running.app.user_data[user.id]["service_request"]["documents"]
    assert saved["size"] == 300_000  # the real size, measured


async def test_item23_an_exe_named_and_declared_as_a_pdf_is_refused(running):
    user, doc = await _at_first_document(running, 610_803)
    disguised = "invoice\u202efdp.exe"  # shows as «invoiceexe.pdf»
    replies = await user.send_document(disguised, "application/pdf", 80_000, head=b"MZ\x90\x00")
    assert replies[0].text.startswith(t("requests.wrong_type", title=doc.title,
                                        media=media_label(doc))[:30])
    assert running.app.user_data[user.id]["service_request"]["documents"] == []
    replies = await user.send_document(f"سند{chr(0x202E)}fdp.pdf", "application/pdf", 80_000)
    assert replies[0].text.startswith(t("requests.document_saved", title=doc.title) + "\n\n")
    [saved] = running.app.user_data[user.id]["service_request"]["documents"]
    assert saved["file_name"] == "سندfdp.pdf" and saved["mime_type"] == "application/pdf"


async def test_item23_operators_see_file_names_without_bidi_controls(running):
    request = await running.store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=610_804, user_id=610_804,
        stage="registered", documents=(NewDocument(
            "deed_or_permit", "document", "old-file", "old-u", "invoice\u202efdp.exe",
            "application/pdf", 1000),)))  # stored before names were cleaned at intake
    replies = await running.user(OPERATOR_ID).press(f"op:open:{request.code}")
    [document] = [c for c in replies if c.method == "sendDocument"]
    assert "\u202e" not in document.text and "invoicefdp.exe" in document.text
