"""Incident reports: emergency number first, type, location, optional photo and text, code."""

from __future__ import annotations

import pytest

from bot.domain.identifiers import format_code, is_valid
from bot.runtime.settings import Settings, load_settings
from bot.services import catalog
from bot.text.i18n import t
from tests.conftest import OPERATOR_ID

OPERATORS_CHAT = -100600


@pytest.fixture
def settings(database: str) -> Settings:
    """Test settings with an operators' chat and a custom emergency number."""
    return load_settings(database=database, operators=frozenset({OPERATOR_ID}),
                         operators_chat=OPERATORS_CHAT, emergency_phone="۱۲۲", max_document_mb=2)


@pytest.mark.parametrize("kind", catalog.incident_types(), ids=lambda k: k.id)
async def test_every_incident_type_gets_a_code(running, kind):
    user = running.user(6000)
    replies = await user.send(t("menu.incident"))
    assert replies[0].text == t("incident.intro", phone="۱۲۲")
    replies = await user.tap(kind.title)
    assert replies[0].text == t("incident.ask_location", type=kind.title,
                                button=t("requests.button_location"))
    await user.share_location(38.08, 46.29)
    await user.send_photo()
    replies = await user.send("لوله جلوی پلاک ۱۲ ترکیده است")
    assert replies[0].text == t("incident.ask_phone")
    replies = await user.send(t("common.button_skip"))
    request = (await running.store.requests_for_chat(user.id))[0]
    assert is_valid(request.code)
    assert replies[0].text == t("incident.submitted", type=kind.title,
                                code=format_code(request.code), phone="۱۲۲")
    assert (request.kind, request.service, request.stage) == ("incident", kind.id, "registered")
    assert request.fields == {"description": "لوله جلوی پلاک ۱۲ ترکیده است"}
    assert (request.latitude, request.longitude) == (38.08, 46.29)
    assert [d.media for d in await running.store.request_documents(request.id)] == ["photo"]
    alerts = await running.store.outbox_messages(chat_id=OPERATORS_CHAT, request_id=request.id)
    assert len(alerts) == 1 and kind.title in alerts[0]["text"]


async def test_wrong_inputs_at_every_step_and_skipping(running):
    user = running.user(6001)
    await user.send(t("menu.incident"))
    replies = await user.send("ترکیدگی")
    assert replies[0].text == t("incident.type_expected")
    await user.tap("ترکیدگی لوله")
    replies = await user.send("امام")
    assert replies[0].text == t("incident.address_too_short", button=t("requests.button_location"),
                                min=10)
    replies = await user.send_photo()
    assert replies[0].text == t("incident.location_expected", button=t("requests.button_location"))
    await user.share_location(35.7, 51.4)
    replies = await user.send("عکس ندارم")
    assert replies[0].text == t("incident.photo_expected")
    replies = await user.send_document("a.pdf", "application/pdf", 1000)
    assert replies[0].text.startswith(t("requests.wrong_type", title=t("services.media_photo"),
                                        media=t("services.media_photo")))
    replies = await user.send_photo(size=3 * 1024 * 1024)
    assert replies[0].text == t("requests.too_big", limit=2, title=t("services.media_photo"))
    await user.send(t("common.button_skip"))
    replies = await user.send("x" * 600)
    assert replies[0].text == t("common.too_long", limit=500)
    await user.send(t("common.button_skip"))
    replies = await user.send("۰۲۱۲۲")
    assert replies[0].text == t("requests.invalid_phone")
    await user.send(t("common.button_skip"))
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.fields == {}
    assert await running.store.request_documents(request.id) == []


async def test_cancel_and_restart_in_the_middle(running):
    user = running.user(6002)
    await user.send(t("menu.incident"))
    await user.tap("قطع ناگهانی آب")
    await user.send("/cancel")
    replies = await user.share_location(35.7, 51.4)
    assert replies[0].text == t("common.unknown_input")
    await user.send(t("menu.incident"))
    await user.tap("سرریز فاضلاب")
    await running.restart()
    await user.share_location(35.7, 51.4)
    await running.restart()
    await user.send(t("common.button_skip"))
    await user.send("فاضلاب در کوچه جاری است")
    await running.restart()
    await user.send(t("common.button_skip"))
    requests = await running.store.requests_for_chat(user.id)
    assert [r.service for r in requests] == ["sewage_overflow"]


async def test_a_stranger_sees_only_the_stage_of_an_incident(running):
    reporter, stranger = running.user(6003), running.user(6004)
    await reporter.send(t("menu.incident"))
    await reporter.tap("کیفیت آب")
    await reporter.share_location(35.7, 51.4)
    await reporter.send(t("common.button_skip"))
    await reporter.send("آب بوی کلر زیاد می‌دهد")
    await reporter.send(t("common.button_skip"))
    code = (await running.store.requests_for_chat(reporter.id))[0].code
    replies = await stranger.send(f"/track {code}")
    assert replies[0].text == t("track.public", code=format_code(code),
                                stage="ثبت گزارش و دریافت کد رهگیری",
                                status=t("requests.status.open"))
    assert "کلر" not in replies[0].text


async def test_without_gps_a_typed_address_a_photo_caption_and_a_callback_phone(running):
    """Issue 13, point 6: the location is asked first, a typed address is accepted; a
    photo's caption is the description (not asked again); a callback phone is asked; the
    operator reads Persian labels, not field keys."""
    user = running.user(6005)
    await user.send(t("menu.incident"))
    replies = await user.tap("ترکیدگی لوله")
    assert next(label for row in replies[0].keyboard for label in row) == t(
        "requests.button_location")
    replies = await user.send("تبریز، خیابان امام، روبروی پلاک ۴۲")
    assert replies[0].text == t("incident.ask_photo")
    replies = await user.send_photo(caption="آب از زیر آسفالت بیرون می‌زند")
    assert replies[0].text == t("incident.ask_phone")  # the caption was the description
    assert t("incident.button_my_phone") in [label for row in replies[0].keyboard for label in row]
    replies = await user.send("۰۴۱-۳۳۳۱۸۸۷۱")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert replies[0].text == t("incident.submitted", type="ترکیدگی لوله",
                                code=format_code(request.code), phone="۱۲۲")
    assert request.fields == {"address": "تبریز، خیابان امام، روبروی پلاک ۴۲",
                              "description": "آب از زیر آسفالت بیرون می‌زند",
                              "callback_phone": "04133318871"}
    assert request.latitude is None and request.longitude is None
    alert = (await running.store.outbox_messages(chat_id=OPERATORS_CHAT,
                                                 request_id=request.id))[0]["text"]
    assert "تبریز، خیابان امام" not in alert  # the group gets no place (issue 10, item 7)
    op = running.user(OPERATOR_ID, "اپراتور")
    replies = await op.press(f"op:open:{request.code}")
    card = replies[-1].text
    for label, value in ((t("ops.fields.address"), "تبریز، خیابان امام، روبروی پلاک ۴۲"),
                         (t("ops.fields.description"), "آب از زیر آسفالت بیرون می‌زند"),
                         (t("ops.fields.callback_phone"), "۰۴۱۳۳۳۱۸۸۷۱")):
        assert t("ops.line_field", label=label, value=value) in card
    assert "callback_phone" not in card and "description" not in card


async def test_the_contact_button_gives_the_callback_phone(running):
    user = running.user(6006)
    await user.send(t("menu.incident"))
    await user.tap("خرابی کنتور")
    await user.share_location(38.08, 46.29)
    await user.send(t("common.button_skip"))
    await user.send(t("common.button_skip"))
    await user.share_contact("+989141234567")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.fields == {"callback_phone": "09141234567"}
