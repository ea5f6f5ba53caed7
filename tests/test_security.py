"""Security (issue 7, item 6): operator paths, other users' data, throttling, the token.

The victim (user A) has a verified subscription with bills and a request with applicant
details, a document and a location. The attacker (user B, with a subscription of his own)
tries every path: every callback pattern of the bot with A's ids and code, A's tracking
code, A's subscription number, every operator command and button. Nothing of A may reach
B, and nothing of A's may change.
"""

from __future__ import annotations

import io
import logging
import re

import pytest

from bot.billing.view import render_public
from bot.runtime.app import build_application
from bot.runtime.logs import setup_logging
from bot.runtime.settings import load_settings
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import digits
from bot.text.i18n import t
from bot.tools.demo_data import generate
from bot.tools.simulator import FakeBotAPI, SimUser
from tests.conftest import OPERATOR_ID
from tests.reliability_fixtures import all_commands, sample_callbacks

VICTIM, ATTACKER = 610_001, 610_002
SECRETS = {"name": "زهره محرمانه‌پور", "mobile": "09127776655", "national_id": "0012345679",
           "address": "تبریز، خیابان محرمانه، کوچه سری، پلاک ۹۹"}
FILE_ID = "victim-secret-file-id"
TOKEN = "987654321:AAH-s3cr3t-t0ken-value_ABCDEFGHIJKLMNOP"
OPERATOR_COMMANDS = ("/ops", "/outage", "/outage تبریز ۲ ساعت")


@pytest.fixture
async def world(running):
    """The victim's subscription, bills and request; the attacker's own subscription."""
    store = running.store
    await generate(store, 2, seed=11, periods=4)
    victim_sub, attacker_sub = await store.sample_subscribers(2)
    for chat, sub in ((VICTIM, victim_sub), (ATTACKER, attacker_sub)):
        await store.upsert_chat(chat, chat, "مشترک", None)
        await store.link_subscription(chat, sub.id, "خانه")
        await store.verify_link(chat, sub.id)
    request = await store.create_request(NewRequest(
        kind="service", service="extra_siphon", chat_id=VICTIM, user_id=VICTIM,
        stage="registered", subscriber_id=victim_sub.id, applicant=SECRETS,
        fields={"reason": "واحد جدید محرمانه"}, latitude=38.0811, longitude=46.2919,
        documents=(NewDocument("deed_or_permit", "photo", FILE_ID, "victim-unique"),)))
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE requests SET pending_document='deed_or_permit' WHERE id=?",
                           (request.id,))
    bills = await store.bills(victim_sub.id)
    return running, victim_sub, request, bills


def leaks(calls, victim_sub, request) -> list[str]:
    """What of the victim's appears in these Bot API calls."""
    shown = " ".join(f"{c.text} {c.params}" for c in calls)
    found = [k for k, v in SECRETS.items() if v in shown or digits(v) in shown]
    found += [what for what, value in (("file_id", FILE_ID), ("subscriber name", victim_sub.name),
                                       ("subscriber address", victim_sub.address or "-"),
                                       ("bill id", digits(victim_sub.bill_id)),
                                       ("location", "38.0811")) if value in shown]
    return found


def forged(app, ids: list[int], codes: list[str]) -> set[str]:
    """Every callback pattern of the bot filled with the victim's ids and code."""
    out = set()
    for sample in sample_callbacks(app):
        out.add(sample)
        for value in [*map(str, ids), *codes]:
            out.add(re.sub(r"(?<=:)1(?=:|$)", value, sample))
    return {data[:64] for data in out}


async def victim_state(store, request, victim_sub) -> tuple:
    """What the attacker must not be able to change."""
    row = tuple(await store.db.fetchone(
        "SELECT status, stage, pending_document FROM requests WHERE id=?", (request.id,)))
    stages = (await store.db.fetchone(
        "SELECT COUNT(*) FROM request_stages WHERE request_id=?", (request.id,)))[0]
    links = [(link.subscriber.id, link.verified) for link in await store.links(VICTIM)]
    documents = len(await store.request_documents(request.id))
    readings = await store.last_reading(victim_sub.id)
    return row, stages, links, documents, readings


async def test_attacker_sees_nothing_of_the_victim(world):
    running, victim_sub, request, bills = world
    store, api = running.store, running.api
    before = await victim_state(store, request, victim_sub)
    attacker = running.user(ATTACKER)
    start = len(api.calls)
    ids = [victim_sub.id, request.id, *[b.id for b in bills]]
    for data in sorted(forged(running.app, ids, [request.code])):
        await attacker.send("/cancel")
        await attacker.press(data)
        await attacker.send_photo(None)  # a request_document state would take this file
        await attacker.send("۱۲۳۴۵")  # a self-reading state would take this number
    for text in (f"/track {request.code}", t("menu.track"), request.code,
                 t("menu.bills"), victim_sub.subscription_number,
                 t("menu.subscriptions"), t("subs.button_add"), victim_sub.subscription_number,
                 "/requests", "/reading", "/bill", victim_sub.subscription_number):
        await attacker.send(text)
    calls = [c for c in api.calls[start:] if c.chat_id in (None, ATTACKER)]
    assert calls, "the attacker got no answers at all"
    assert leaks(calls, victim_sub, request) == []
    assert await victim_state(store, request, victim_sub) == before


async def test_a_typed_bill_id_shows_only_what_a_bank_shows(world):
    """Whoever holds the paper bill sees the bank-style inquiry (issue 12): the bill ID they
    typed, the amount, due date, period and consumption; nothing else of the victim's."""
    running, victim_sub, request, bills = world
    attacker = running.user(ATTACKER)
    await attacker.send(t("menu.bills"))
    replies = await attacker.send(digits(victim_sub.bill_id))
    assert leaks(replies, victim_sub, request) == ["bill id"]  # their own input, echoed
    shown = " ".join(c.text for c in replies)
    assert digits(victim_sub.subscription_number) not in shown
    assert t("bill_items.labels.readings") not in shown and victim_sub.name not in shown
    assert t("own.ask_phone_or_payment") in shown and render_public(bills[0]) in shown
    assert await running.store.link(ATTACKER, victim_sub.id) is None


async def test_tracking_code_of_another_chat_shows_only_the_stage(world):
    running, victim_sub, request, _ = world
    replies = await running.user(ATTACKER).send(f"/track {request.code}")
    assert replies and leaks(replies, victim_sub, request) == []
    owner = await running.user(VICTIM).send(f"/track {request.code}")
    assert digits(request.code)[:4] in owner[0].text or request.code[:4] in owner[0].text


async def test_non_operator_reaches_no_operator_path(world):
    running, victim_sub, request, _ = world
    store, api = running.store, running.api
    before = await victim_state(store, request, victim_sub)
    outbox = (await store.db.fetchone("SELECT COUNT(*) FROM outbox"))[0]
    op_callbacks = {d for d in forged(running.app, [request.id], [request.code])
                    if d.startswith("op:")}
    assert {"op:open:1", "op:act:", "op:q:", "op:outage:yes"} <= op_callbacks
    allowed = {t("common.expired_button"), t("common.unknown_input"), t("common.cancelled"),
               t("common.nothing_to_cancel"), t("understand.not_understood"),
               t("understand.did_you_mean"),  # typed text at the menu: handlers/understanding.py
               t("understand.human", emergency=running.settings.emergency_phone)}
    for user_id in (ATTACKER, VICTIM):
        user = running.user(user_id)
        for data in sorted(op_callbacks):
            await user.send("/cancel")
            replies = await user.press(data)
            assert {c.text for c in replies} <= allowed, (data, [c.text for c in replies])
            replies = await user.send("یک متن برای مرحله اپراتور")
            assert {c.text for c in replies} <= allowed, (data, [c.text for c in replies])
        for command in OPERATOR_COMMANDS:
            replies = await user.send(command)
            assert {c.text for c in replies} <= allowed, (command, [c.text for c in replies])
    assert await victim_state(store, request, victim_sub) == before
    assert (await store.db.fetchone("SELECT COUNT(*) FROM outbox"))[0] == outbox
    assert not [c for c in api.calls if c.method in {"sendLocation", "sendDocument"}]
    assert all(c.params.get("photo") != FILE_ID for c in api.calls)


async def test_operator_commands_are_all_guarded(running):
    """Every command the bot knows is either for everyone or answers a non-operator
    exactly as an unknown message (the operator guard's answer)."""
    user = running.user(ATTACKER)
    public = {"/start", "/help", "/menu", "/cancel", "/bill", "/branchfee", "/calc", "/incident", "/info",
              "/reading", "/requests", "/services", "/subscriptions", "/tariffs", "/track"}
    for command in sorted(all_commands(running.app) - public):
        replies = await user.send(command)
        assert [c.text for c in replies] == [t("common.unknown_input")], command


async def test_operator_does_reach_the_queue(world):
    """The guard lets the operator through (so the tests above can fail)."""
    running, *_ = world
    replies = await running.user(OPERATOR_ID).send("/ops")
    assert replies and replies[0].text != t("common.unknown_input")


async def test_tracking_lookups_are_throttled(running):
    user = running.user(ATTACKER)
    limit = running.settings.lookups_per_minute
    answers = [await user.send(f"/track {n:011d}") for n in range(limit + 3)]
    texts = [a[0].text for a in answers]
    assert all(not text.startswith(t("common.throttled", seconds=1)[:20]) for text in texts[:limit])
    throttled = re.compile(re.escape(t("common.throttled", seconds=99)).replace("۹۹", ".+"))
    assert all(throttled.fullmatch(text) for text in texts[limit:]), texts[limit:]


async def test_token_never_reaches_the_logs(settings, store, caplog):
    """A session with an error, logged at DEBUG through the production log set-up."""
    stream = io.StringIO()
    setup_logging("DEBUG", (TOKEN,))
    root = logging.getLogger()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("httpx").setLevel(logging.DEBUG)

    def responder(call):
        if call.method == "sendMessage" and call.chat_id == ATTACKER:
            return RuntimeError(f"network down calling https://api.telegram.org/bot{TOKEN}/x")
        return None

    api = FakeBotAPI(responder)
    app = build_application(load_settings(**{**settings.model_dump(), "token": TOKEN}), store,
                            request=api, token=TOKEN)
    await app.initialize()
    try:
        await SimUser(app, api, VICTIM).send("/start")
        await SimUser(app, api, ATTACKER).send("/start")
        logging.getLogger("probe").warning("the url was https://x/bot%s/getMe", TOKEN)
    finally:
        await app.shutdown()
        root.handlers.clear()
    output = stream.getvalue()
    assert "error while handling" in output and "Traceback" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "<token>" in output



async def test_bill_lookups_by_subscription_number_are_throttled(world):
    running, *_ = world
    await generate(running.store, 40, seed=12, periods=1)
    numbers = [s.subscription_number for s in await running.store.sample_subscribers(42)]
    user = running.user(ATTACKER)
    texts = []
    for number in numbers:
        await user.send(t("menu.bills"))
        texts += [c.text for c in await user.send(number)]
    throttled = re.compile(re.escape(t("common.throttled", seconds=99)).replace("۹۹", ".+"))
    assert any(throttled.fullmatch(text) for text in texts)
