"""An operator takes a request through its stages; the applicant gets each message.
Non-operators reach nothing, whatever they type or forge."""

from __future__ import annotations

import json
import re

import pytest

from bot.domain.identifiers import format_code
from bot.notify.notifier import Notifier
from bot.services import workflow
from bot.services.catalog import service
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import rials
from bot.text.i18n import t
from tests.conftest import OPERATOR_ID, Running

APPLICANT = 700100


async def new_request(running: Running, chat_id: int = APPLICANT) -> str:
    """A tanker-water request with a location, a photo and a PDF, as the request flow stores it."""
    created = await running.store.create_request(NewRequest(
        kind="service", service="tanker_water", chat_id=chat_id, user_id=chat_id,
        stage="registered",
        applicant={"national_id": "0012345679", "full_name": "مریم رضایی",
                   "mobile": "09121234567", "address": "تبریز، خیابان امام، کوچه ۱۲"},
        fields={"vehicle_plate": "۱۲ع۳۴۵ ایران ۱۵", "volume": "12"},
        latitude=38.08, longitude=46.29,
        documents=(NewDocument("photo", "photo", "file-photo-1", "uf1"),
                   NewDocument("health_permit", "document", "file-pdf-2", "uf2", "permit.pdf",
                               "application/pdf", 20_000)),
    ))
    return created.code


async def deliver(running: Running) -> list[str]:
    """Drain the outbox; the texts the applicant got."""
    before = len(running.api.calls)
    await Notifier(running.app.bot, running.store, per_second=1000, per_chat_second=1000).drain()
    return [c.text for c in running.api.calls[before:]
            if c.method == "sendMessage" and c.chat_id == APPLICANT]


async def test_operator_takes_request_through_its_stages(running: Running) -> None:
    code = await new_request(running)
    proc = service("tanker_water")
    op = running.user(OPERATOR_ID, "اپراتور")

    replies = await op.send("/ops")
    assert replies[0].text.startswith(t("ops.queue_title", total=1, filters=""))
    replies = await op.tap(format_code(code))
    methods = [c.method for c in replies]
    assert methods[:3] == ["sendLocation", "sendPhoto", "sendDocument"]
    assert replies[1].params["photo"] == "file-photo-1"
    assert replies[2].params["document"] == "file-pdf-2"
    card = replies[-1].text
    assert "مریم رضایی" in card and proc.stage("registered").title in card

    # next stage, with a note for the applicant
    await op.tap(t("ops.button_next", stage=proc.stage("assessment").title))
    replies = await op.send("مدارک کامل است")
    assert replies[0].text == t("ops.done_move", code=format_code(code),
                                stage=proc.stage("assessment").title)
    got = await deliver(running)
    assert len(got) == 1 and proc.stage("assessment").title in got[0]
    assert "مدارک کامل است" in got[0] and format_code(code) in got[0]
    assert got[0].startswith("مشترک گرامی") and got[0].endswith(t("notify.signature"))
    # the applicant's button opens the request (the request owner's handler)
    notice = [c for c in running.api.calls if c.chat_id == APPLICANT][-1]
    replies = await running.user(APPLICANT, "مریم").press(notice.button(t("notify.button_open")))
    assert replies and format_code(code) in replies[-1].text
    assert proc.stage("assessment").title in replies[-1].text

    # the invoice: a wrong amount keeps the step, then a right one
    await op.tap(t("ops.button_invoice"))
    replies = await op.send("دو میلیون")
    assert replies[0].text == t("ops.error_bad_amount")
    replies = await op.send("۲٬۵۰۰٬۰۰۰")
    assert replies[0].text == t("ops.done_invoice", code=format_code(code),
                                amount=rials(2_500_000))
    got = await deliver(running)
    assert len(got) == 1 and rials(2_500_000) in got[0]

    # any allowed stage, without a note
    await op.tap(t("ops.button_stages"))  # the card's buttons carry the version shown
    await op.tap(proc.stage("delivery").title)
    await op.tap(t("ops.button_skip"))
    # ask for a document again (unreadable)
    await op.tap(t("ops.button_ask_document"))
    await op.tap(proc.document("photo").title)
    replies = await op.send("عکس ناخوانا بود")
    assert replies[0].text.startswith("✅")
    got = await deliver(running)
    assert len(got) == 2
    assert proc.stage("delivery").title in got[0] and proc.document("photo").title in got[1]

    # close, with a restart (kill -9) while the note is being typed and another at the
    # «are you sure?» question: nothing is closed until the operator says yes
    await op.tap(t("ops.button_close"))
    await running.restart()
    replies = await op.send("آب تحویل شد")
    assert replies[0].text == t("ops.sure_close", code=format_code(code), service=proc.title,
                                note=t("ops.sure_note", note="آب تحویل شد"))
    assert (await running.store.request_row(code)).status == "open"
    await running.restart()
    replies = await op.tap(t("ops.button_sure_close"))
    assert replies[0].text == t("ops.done_close", code=format_code(code))
    got = await deliver(running)
    assert len(got) == 1 and "بسته شد" in got[0]

    request = await running.store.request_row(code)
    assert request.status == "closed" and request.stage == "delivery"
    assert request.invoice_amount == 2_500_000 and request.pending_document is None
    stages = [(r["stage"], r["actor"], r["note"])
              for r in await running.store.request_rows(request.id, "request_stages")]
    actor = f"operator:{OPERATOR_ID}"
    assert stages[1:] == [("assessment", actor, "مدارک کامل است"), ("delivery", actor, None),
                          ("closed", actor, "آب تحویل شد")]
    audit = await running.store.request_rows(request.id, "audit")
    ours = [(r["action"], r["actor"]) for r in audit if r["actor"] == actor]
    assert [a for a, _ in ours] == ["move", "invoice", "move", "ask_document", "close"]
    assert json.loads(audit[-1]["details"]) == {"note": "آب تحویل شد"}
    assert all(r["created_at"] for r in audit)
    outbox = await running.store.outbox_messages(request_id=request.id, chat_id=APPLICANT)
    assert [r["kind"] for r in outbox] == ["stage", "invoice", "stage", "document", "closed"]
    assert all(r["status"] == "sent" for r in outbox)
    buttons = [json.loads(r["reply_markup"])["inline_keyboard"][0][0]["callback_data"]
               for r in outbox]
    assert buttons == [f"req:show:{request.id}"] * 3 + [f"req:doc:{request.id}",
                                                        f"req:show:{request.id}"]

    # a closed request cannot move any more
    replies = await op.press(f"op:act:next:{code}:{request.version}")
    assert replies[0].text == t("ops.error_finished")
    with pytest.raises(workflow.WorkflowError) as err:
        await workflow.move(running.store, code, None, actor)
    assert err.value.code == "finished"


async def test_reject_needs_a_real_reason_and_a_yes(running: Running) -> None:
    """Issue 13, point 10: a rejection reason of at least ten characters, then «are you
    sure?» with the reason shown; «no» leaves the request as it was."""
    code = await new_request(running)
    op = running.user(OPERATOR_ID, "اپراتور")
    await op.press(f"op:act:rej:{code}:0")
    replies = await op.send("/cancel")
    assert replies[0].text == t("common.cancelled")
    replies = await op.send("مدارک جعلی است")  # no step waits: read as any typed text
    assert replies[0].text in (t("understand.not_understood"), t("understand.did_you_mean"))
    assert (await running.store.request_row(code)).status == "open"

    await op.press(f"op:act:rej:{code}:0")
    replies = await op.send("   ")
    assert replies[0].text == t("ops.error_no_reason")
    replies = await op.send("ناقص")
    assert replies[0].text == t("ops.error_reason_too_short")
    reason = "ملک خارج از محدوده خدمات است"
    replies = await op.send(reason)
    assert replies[0].text == t("ops.sure_reject", code=format_code(code),
                                service=service("tanker_water").title, reason=reason)
    replies = await op.tap(t("ops.button_not_sure"))
    assert replies[0].text == t("ops.not_done")
    assert (await running.store.request_row(code)).status == "open"
    assert await deliver(running) == []

    await op.press(f"op:act:rej:{code}:0")
    await op.send(reason)
    replies = await op.tap(t("ops.button_sure_reject"))
    assert replies[0].text == t("ops.done_reject", code=format_code(code))
    got = await deliver(running)
    assert len(got) == 1 and reason in got[0] and "رد شد" in got[0]
    assert (await running.store.request_row(code)).status == "rejected"
    replies = await op.press("op:sure:yes")  # pressing again does nothing
    assert replies[0].text == t("common.expired_button")


async def test_wrong_stage_and_internal_notes_in_the_card(running: Running) -> None:
    """Issue 13, points 11 and 13: internal notes show in the card with who and when; the
    card has no field keys, document ids, actor ids or English, and codes have dashes."""
    code = await new_request(running)
    op = running.user(OPERATOR_ID, "زهرا")
    await op.send("/ops")
    replies = await op.press(f"op:act:move:{code}:0:no_such_stage")
    await op.send("x")
    assert t("ops.error_unknown_stage") in [c.text for c in op.replies]
    replies = await op.press(f"op:act:note:{code}:0")
    replies = await op.send("تماس گرفته شد")
    assert replies[0].text == t("ops.done_note", code=format_code(code))
    card = replies[-1].text
    assert t("ops.notes") in card
    note_line = next(line for line in card.splitlines() if "تماس گرفته شد" in line)
    assert note_line.startswith("• ۱۴") and t("ops.actor_operator", name="زهرا") in note_line
    assert await deliver(running) == []
    request = await running.store.request_row(code)
    assert request.stage == "registered"
    assert [r["action"] for r in await running.store.request_rows(request.id, "audit")][-1] == "note"
    replies = await op.press(f"op:open:{code}")
    card = replies[-1].text
    assert "تماس گرفته شد" in card and format_code(code) in card
    assert t("ops.actor_applicant") in card  # the first stage row: (متقاضی), not (user:…)
    assert not re.search(r"[A-Za-z]", card), card


FORGED = [
    "op:q:-:-:0:0", "op:q:tanker_water:registered:7:0", "op:fs:0", "op:ft:tanker_water:0",
    "op:fa:-:-", "op:open:{code}", "op:stages:{code}:0", "op:docs:{code}:0",
    "op:act:next:{code}:0", "op:act:move:{code}:0:delivery", "op:act:inv:{code}:0",
    "op:act:rej:{code}:0", "op:act:close:{code}:0", "op:act:doc:{code}:0:photo",
    "op:act:note:{code}:0", "op:skip", "op:tariff", "op:outage:yes", "op:outage:no", "op:",
    "op:sure:yes", "op:sure:no", "op:outage:city:tabriz", "op:outage:zone:2",
    "op:outage:day:2026-12-20",
    "op:anything:at:all",
]


async def test_non_operator_reaches_nothing(running: Running) -> None:
    code = await new_request(running)
    intruder = running.user(APPLICANT, "مریم")
    for command in ("/ops", "/outage tabriz 1405/09/02 10:00-14:00 تعمیر"):
        replies = await intruder.send(command)
        assert [c.text for c in replies] == [t("common.unknown_input")]
    for data in FORGED:
        replies = await intruder.press(data.format(code=code))
        assert [c.text for c in replies] == [t("common.expired_button")], data
        replies = await intruder.send("دلیل رد")  # no step waits: read as any typed text
        assert [c.text for c in replies] in ([t("understand.not_understood")],
                                             [t("understand.did_you_mean")]), data
    assert not [c for c in running.api.calls if c.method in {"sendLocation", "sendPhoto",
                                                              "sendDocument"}]
    request = await running.store.request_row(code)
    assert (request.status, request.stage, request.invoice_amount) == ("open", "registered", None)
    audit = await running.store.request_rows(request.id, "audit")
    assert not [r for r in audit if r["actor"].startswith("operator:")]
    assert await running.store.outbox_messages(chat_id=APPLICANT) == []


def test_every_refusal_has_a_message() -> None:
    import inspect
    import re

    from bot.text.i18n import default_locale

    codes = set(re.findall(r'WorkflowError\("(\w+)"\)', inspect.getsource(workflow)))
    codes |= {"last_stage", "unknown_stage"}
    assert len(codes) >= 10
    assert [c for c in codes if not default_locale().has(f"ops.error_{c}")] == []
