"""Service requests through the real Application: every service, broken inputs, leaving,
restarts, tracking codes seen by their owner and by a stranger, throttled lookups."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from bot.domain.identifiers import format_code, is_valid
from bot.runtime.settings import Settings, load_settings
from bot.services import catalog
from bot.services.deadlines import due_text
from bot.services.drafts import plan
from bot.store.request_models import NewRequest
from bot.text.fmt import rials
from bot.text.i18n import t
from bot.tools.simulator import text_of
from handlers import services as services_handlers
from tests.conftest import OPERATOR_ID
from tests.requests_fixtures import (
    MOBILE,
    NATIONAL_ID,
    answer_step,
    seed_subscriber,
    submit_request,
)

OPERATORS_CHAT = -100500
MB = 1024 * 1024


@pytest.fixture
def settings(database: str) -> Settings:
    """Test settings with an operators' chat and a small lookup limit."""
    return load_settings(database=database, operators=frozenset({OPERATOR_ID}),
                         operators_chat=OPERATORS_CHAT, emergency_phone="۱۲۲",
                         max_document_mb=5, lookups_per_minute=4)


async def _code_of(running, user_id: int) -> str:
    requests = await running.store.requests_for_chat(user_id)
    assert requests
    return requests[0].code


async def _advance_to(user, svc, kind: str, subscription: str | None):
    """Start a request and answer correctly until the first step of this kind."""
    replies = await user.press(f"svc:start:{svc.id}")
    for step in plan(svc):
        if step.kind == kind:
            return replies
        replies = await answer_step(user, svc, step.kind, step.item, subscription)
    raise AssertionError(f"{svc.id} has no {kind} step")


@pytest.mark.parametrize("svc", catalog.services(), ids=lambda s: s.id)
async def test_every_service_happy_path(running, svc):
    sub = await seed_subscriber(running.store)
    user = running.user(5000, "سارا")
    await user.send("/start")
    replies = await submit_request(user, svc, sub.subscription_number)
    request = (await running.store.requests_for_chat(user.id))[0]
    assert is_valid(request.code)
    submitted = t("requests.submitted", service=svc.title, code=format_code(request.code),
                  stage=svc.first_stage.title)
    if svc.duration is None:  # the seed states no duration: nothing is said about it
        assert replies[0].text == submitted
    else:
        assert replies[0].text == "\n".join([submitted, t(
            "requests.submitted_due", duration=svc.duration.text,
            due=due_text(svc, request.created_at))])
    assert (request.kind, request.service, request.stage, request.status) == (
        "service", svc.id, "registered", "open")
    docs = await running.store.request_documents(request.id)
    assert [d.doc_type for d in docs] == [d.id for d in svc.documents]
    history = await running.store.request_stages(request.id)
    assert [h.stage for h in history] == ["registered"]
    if svc.who == "subscriber":
        assert request.subscriber_id == sub.id
        assert request.fields["subscription_number"] == sub.subscription_number
    else:
        assert request.applicant == {"national_id": NATIONAL_ID, "mobile": "09123456789",
                                     "full_name": request.applicant["full_name"],
                                     "address": request.applicant["address"]}
    if svc.needs_location:
        assert (request.latitude, request.longitude) == (35.70, 51.40)
    alerts = await running.store.outbox_messages(chat_id=OPERATORS_CHAT, request_id=request.id)
    assert len(alerts) == 1 and format_code(request.code) in alerts[0]["text"]
    assert sub.name not in text_of(replies)


async def test_catalog_browsing_shows_documents_and_stages(running):
    user = running.user(5001)
    replies = await user.send(t("menu.services"))
    assert replies[0].text == t("services.catalog_intro")
    labels = [label for row in replies[0].inline for label, _ in row]
    assert [svc.title for svc in catalog.services()] == labels[:-1]
    replies = await user.tap(catalog.service("tanker_water").title)
    card = replies[0].text
    assert "تصویر سند خودروی توزیع آب" in card and "ارزیابی و امکان‌سنجی تخصیص آب تانکری" in card
    assert "۲۴ ساعت" in card
    replies = await user.tap(t("services.button_start"))
    assert replies[0].text == t("requests.ask_national_id", label="کد ملی متقاضی")


async def test_national_id_name_and_mobile_are_checked_as_the_utility_would(running):
    """Issue 13, point 2: the national ID's check digit, a name in Persian letters, an
    Iranian mobile with a real operator prefix; each refusal says why and asks again."""
    svc = catalog.service("new_water_branch")
    user = running.user(5002)
    await user.press(f"svc:start:{svc.id}")
    for wrong in ("۰۰۱۳۵۴۲۴۱۸", "12345", "۱۱۱۱۱۱۱۱۱۱", "0013542419 0"):
        replies = await user.send(wrong)  # wrong check digit, too short, all the same
        assert replies[0].text == t("requests.invalid_national_id")
    replies = await user.send("۱۳۵۴۲۴۱۹")  # the leading zeros left out, as people do
    assert replies[0].text == t("requests.ask_name", label="نام و نام خانوادگی متقاضی")
    for wrong in ("12345", "Ali Rezaei", "علی ۲", "ع"):
        replies = await user.send(wrong)
        assert replies[0].text == t("requests.invalid_name")
    await user.send("سيد علي رضايي")  # Arabic ي is made Persian
    for wrong in ("۰۲۱۲۲۳۳۴۴۵۵", "0912", "abc", "09501234567", "09061234567"):
        replies = await user.send(wrong)
        assert replies[0].text == t("requests.invalid_mobile")
    replies = await user.send("+98 912 345 6789")
    assert replies[0].text == t("requests.ask_text", label="نشانی دقیق ملک")
    replies = await user.send("کوتاه")
    assert replies[0].text == t("requests.invalid_text_length", min=10, max=300)
    draft = running.app.user_data[user.id]["service_request"]
    assert draft["applicant"] == {"national_id": NATIONAL_ID, "full_name": "سید علی رضایی",
                                  "mobile": "09123456789"}


async def test_new_branch_asks_the_utilitys_places_and_only_what_applies(running):
    """Issue 13, points 1 and 4: the new-branch service lists the configured places (East
    Azarbaijan), asks Tabriz's zone (its branch fee depends on it), does not ask a household
    applicant for a contract capacity, and shows seed 003's branch fee in the summary."""
    svc = catalog.service("new_water_branch")
    user = running.user(5003)
    replies = await _advance_to(user, svc, "field", None)
    labels = [label for call in replies for row in call.keyboard for label in row]
    assert "تبریز" in labels and "مرند" in labels and "مبارکه" not in labels
    for wrong in ("تهران", "مبارکه"):  # Isfahan's county is not a place of this utility
        replies = await user.send(wrong)
        assert replies[0].text == t("requests.invalid_choice")
    replies = await user.send("تبريز")
    assert replies[0].text.startswith(t("requests.ask_number", label="منطقه شهرداری محل ملک (۱ تا ۱۰)",
                                        min=1, max=10))
    replies = await user.send("۱۱")
    assert replies[0].text == t("requests.invalid_number_range", min=1, max=10)
    await user.send("۳")
    await user.send("خانگی")
    replies = await user.send("دو")
    assert replies[0].text == t("common.not_a_number")
    replies = await user.send("۰")
    assert replies[0].text == t("requests.invalid_number_range", min=1, max=500)
    replies = await user.send("۲")  # household: straight to the location, no capacity
    assert replies[0].text.startswith(t("requests.ask_location", button=t("requests.button_location")))
    await user.share_location(38.08, 46.29)
    for _ in svc.documents:
        replies = await user.send_photo()
    summary = replies[-1].text
    # seed 003: Tabriz zone 3 7,600,000 × 2 units + 1/2" installation 9,700,000 + supervision
    # 180,000 × 2 + تبصره ۳ 6,200,000 × 2 = 37,660,000 rials
    assert rials(37_660_000) in summary
    assert "تبریز" in summary and "منطقه شهرداری محل ملک (۱ تا ۱۰): ۳" in summary
    assert "ظرفیت قراردادی" not in summary
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.fields == {"city": "tabriz", "zone": "3", "usage": "household", "units": "2"}
    assert request.city == "tabriz"


async def test_a_place_without_zones_is_not_asked_one(running):
    svc = catalog.service("new_water_branch")
    user = running.user(5013)
    await _advance_to(user, svc, "field", None)
    replies = await user.send("مرند")
    assert replies[0].text == t("requests.ask_choice", label="کاربری")


async def test_documents_wrong_type_too_big_text_and_skip(running):
    svc = catalog.service("tanker_water")
    user = running.user(5004)
    await _advance_to(user, svc, "document", None)
    replies = await user.send("عکس ندارم")
    assert replies[0].text == t("requests.file_expected", title="یک قطعه عکس متقاضی")
    replies = await user.send_document("photo.pdf", "application/pdf", 100_000)
    assert replies[0].text == t("requests.wrong_type", title="یک قطعه عکس متقاضی",
                                media=t("services.media_photo"))
    await user.send_photo()
    replies = await user.send_document("id.pdf", "application/pdf", 6 * MB)
    assert replies[0].text == t("requests.too_big", limit=5, title="تصویر کارت ملی و شناسنامه مالک خودرو")
    replies = await user.send_document("id.docx", "application/msword", 10_000)
    assert replies[0].text.startswith(t("requests.wrong_type", title="تصویر کارت ملی و شناسنامه مالک خودرو",
                                        media=t("services.media_photo_pdf")))
    replies = await user.send_document("id.pdf", "application/pdf", 2 * MB)
    # issue 16, point 4: «received» and the next document's question in one message
    [saved] = replies
    assert saved.text.startswith(t("requests.document_saved", title="تصویر کارت ملی و شناسنامه مالک خودرو")
                                 + "\n\n" + t("requests.ask_document", number=3, total=4,
                                                title="تصویر سند خودروی توزیع آب",
                                                media=t("services.media_photo_pdf"), limit=5))
    await user.send_photo()
    replies = await user.send_photo()
    assert replies[-1].text.count(t("requests.document_sent")) == 4
    replies = await user.send("بله")
    assert len(replies) == 1 and replies[0].text.startswith(t("requests.confirm_expected") + "\n\n")
    assert replies[0].button("تأیید") == "svc:confirm"  # the summary again, in the same message
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    docs = await running.store.request_documents(request.id)
    assert [d.doc_type for d in docs] == ["photo", "owner_id_card", "vehicle_document", "health_permit"]
    assert docs[0].file_id.endswith("-1280")  # the largest photo size is kept
    assert docs[1].mime_type == "application/pdf"


async def test_optional_document_can_be_skipped(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("meter_test")
    user = running.user(5005)
    await _advance_to(user, svc, "document", sub.subscription_number)
    await user.send_photo()
    replies = await user.send(t("common.button_skip"))
    summary = replies[-1].text
    assert summary.count(t("requests.document_sent")) == summary.count(
        t("requests.document_skipped")) == 1
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert [d.doc_type for d in await running.store.request_documents(request.id)] == ["water_bill"]


async def test_subscription_number_is_checked(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("meter_test")
    user = running.user(5006)
    await user.press(f"svc:start:{svc.id}")
    wrong = sub.subscription_number[:-1] + str((int(sub.subscription_number[-1]) + 1) % 10)
    replies = await user.send(wrong)
    assert replies[0].text == t("requests.subscription_check_digit")
    replies = await user.send("۱۲۳")
    assert replies[0].text == t("requests.subscription_too_short")
    replies = await user.send_photo()
    assert replies[0].text == t("requests.subscription_not_digits")
    replies = await user.send(sub.subscription_number)
    assert replies[0].text == t("requests.ask_text", label=svc.fields[0].label)
    assert sub.name not in replies[0].text


async def test_leaving_through_the_menu_and_coming_back_resumes(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("meter_test")
    user = running.user(5007)
    await user.press(f"svc:start:{svc.id}")
    await user.send(sub.subscription_number)
    await user.send(t("menu.tariffs"))  # leaves for another feature
    replies = await user.send(t("menu.services"))
    assert replies[0].text == t("services.resume_offer", service=svc.title)
    replies = await user.tap(t("services.button_resume"))
    assert replies[0].text == t("requests.ask_text", label=svc.fields[0].label)
    await user.send("کنتور تند کار می‌کند")
    await user.send_photo()
    await user.send(t("common.button_skip"))
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.fields == {"reason": "کنتور تند کار می‌کند",
                              "subscription_number": sub.subscription_number}
    replies = await user.send(t("menu.services"))  # submitted: nothing to resume
    assert replies[0].text == t("services.catalog_intro")


async def test_coming_back_can_discard_the_half_done_request(running):
    svc = catalog.service("tanker_water")
    user = running.user(5008)
    await user.press(f"svc:start:{svc.id}")
    await user.send(NATIONAL_ID)
    await user.send("/menu")
    await user.send(t("menu.services"))
    replies = await user.tap(t("services.button_fresh"))
    assert replies[0].text == "\n\n".join([t("services.draft_discarded"), t("services.catalog_intro")])
    assert len(replies) == 1 and replies[0].inline  # the catalog's buttons
    replies = await user.send(t("menu.services"))
    assert replies[0].text == t("services.catalog_intro")
    assert await running.store.requests_for_chat(user.id) == []


async def test_cancel_in_the_middle_stores_nothing(running):
    svc = catalog.service("tanker_water")
    user = running.user(5009)
    await _advance_to(user, svc, "document", None)
    await user.send_photo()
    replies = await user.send("/cancel")
    assert replies[0].text == t("common.cancelled")
    replies = await user.send_photo()
    assert replies[0].text == t("common.unknown_input")
    assert await running.store.requests_for_chat(user.id) == []
    # /cancel keeps nothing half-done: the services do not offer to resume the draft
    replies = await user.send(t("menu.services"))
    assert all(t("services.button_resume") not in c.text and "svc:resume" not in str(c.inline)
               for c in replies)


async def test_restart_in_the_middle_continues_where_the_user_was(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("name_change")
    user = running.user(5010)
    await user.press(f"svc:start:{svc.id}")
    await user.send(sub.subscription_number)
    await user.send("رضا کریمی")
    await running.restart()
    replies = await user.send("۱۲۳")
    assert replies[0].text == t("requests.invalid_national_id")
    await user.send(NATIONAL_ID)
    await user.send(MOBILE)
    await user.send_photo()
    await running.restart()
    for _ in svc.documents[1:]:
        replies = await user.send_photo()
    assert replies[-1].text.count(t("requests.document_sent")) == 5
    await running.restart()
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.fields["new_owner_name"] == "رضا کریمی"
    assert len(await running.store.request_documents(request.id)) == 5


async def test_summary_can_be_discarded(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("reconnection")
    user = running.user(5011)
    replies = await user.press(f"svc:start:{svc.id}")
    for step in plan(svc)[:-1]:
        replies = await answer_step(user, svc, step.kind, step.item, sub.subscription_number)
    replies = await user.tap(t("requests.button_discard"))
    assert replies[0].text == t("requests.discarded")
    assert await running.store.requests_for_chat(user.id) == []
    replies = await user.press("svc:confirm")  # a second press of the old button
    assert replies[0].text == t("common.expired_button")


async def test_owner_sees_everything_a_stranger_only_the_stage(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("units_change")
    owner = running.user(5012)
    await submit_request(owner, svc, sub.subscription_number)
    code = await _code_of(running, owner.id)
    replies = await owner.send(f"/track {format_code(code)}")
    text = replies[0].text
    assert svc.title in text and t("track.history_title") in text
    assert t("track.next", stage="تسویه حساب") in text
    assert any("req:cancel:" in data for row in replies[0].inline for _, data in row)
    stranger = running.user(5013)
    replies = await stranger.send(f"/track {code}")
    assert replies[0].text == t("track.public", code=format_code(code),
                                stage=svc.first_stage.title, status=t("requests.status.open"))
    assert svc.title not in replies[0].text and not replies[0].inline
    request = await running.store.request_by_code(code)
    replies = await stranger.press(f"req:show:{request.id}")
    assert replies[0].text == t("requests.not_yours")
    replies = await stranger.press(f"req:cancel_yes:{request.id}")
    assert replies[0].text == t("requests.not_yours")
    assert (await running.store.request_by_code(code)).status == "open"


async def test_track_menu_checks_codes_and_throttles(running):
    user = running.user(5014)
    replies = await user.send(t("menu.track"))
    assert replies[0].text == t("track.ask_code")
    replies = await user.send("۱۲۳۴")
    assert replies[0].text == t("track.wrong_length")
    replies = await user.send("۴۰۵۱-۲۳۴-۵۶۷۸")
    code = "40512345678"
    expected = "track.not_found" if is_valid(code) else "track.check_digit"
    assert replies[0].text == t(expected)
    replies = await user.send("abc")
    assert replies[0].text == t("track.not_digits")
    replies = await user.send("12345678901")
    assert replies[0].text == t("track.check_digit")
    replies = await user.send("12345678902")  # the 5th lookup in a minute (limit 4)
    assert replies[0].text in {t("common.throttled", seconds=s) for s in (14, 15)}
    other = running.user(5015)  # the limit is per user
    replies = await other.send("/track 1234")
    assert replies[0].text == t("track.wrong_length")


async def test_my_requests_list_cancel_only_in_the_first_stage(running):
    sub = await seed_subscriber(running.store)
    user = running.user(5016)
    replies = await user.send("/requests")
    assert replies[0].text == t("requests.none")
    await submit_request(user, catalog.service("meter_test"), sub.subscription_number)
    await submit_request(user, catalog.service("reconnection"), sub.subscription_number)
    first, second = await running.store.requests_for_chat(user.id)
    replies = await user.send("/requests")
    assert replies[0].text.startswith(t("requests.list_title"))
    assert format_code(first.code) in replies[0].text and "وصل مجدد انشعاب" in replies[0].text
    async with running.store.db.transaction() as conn:
        await conn.execute("UPDATE requests SET stage='settle' WHERE id=?", (second.id,))
    replies = await user.press(f"req:cancel:{second.id}")
    assert replies[0].text == t("requests.cannot_cancel")
    replies = await user.press(f"req:cancel_yes:{second.id}")
    assert replies[0].text == t("requests.cannot_cancel")
    replies = await user.press(f"req:show:{first.id}")
    replies = await user.tap(t("requests.button_cancel"))
    assert replies[0].text == t("requests.cancel_confirm", code=format_code(first.code),
                                service=catalog.service("reconnection").title)
    replies = await user.tap(t("requests.button_cancel_yes"))
    assert replies[0].text == t("requests.cancelled", code=format_code(first.code))
    cancelled = await running.store.request(first.id)
    assert cancelled.status == "cancelled"
    assert [h.stage for h in await running.store.request_stages(first.id)] == [
        "registered", "cancelled"]
    assert (await running.store.request(second.id)).status == "open"
    replies = await user.send(f"/track {first.code}")
    assert t("requests.status.cancelled") in replies[0].text and t("track.closed") in replies[0].text


async def test_missing_document_an_operator_asked_for(running):
    sub = await seed_subscriber(running.store)
    user = running.user(5017)
    await submit_request(user, catalog.service("units_change"), sub.subscription_number)
    request = (await running.store.requests_for_chat(user.id))[0]
    async with running.store.db.transaction() as conn:
        await conn.execute("UPDATE requests SET pending_document='form_qf7201' WHERE id=?",
                           (request.id,))
    replies = await user.send(f"/track {request.code}")
    title = catalog.service("units_change").document("form_qf7201").title
    assert t("track.action_document", document=title) in replies[0].text
    replies = await user.tap(t("requests.button_send_document"))
    assert replies[0].text.startswith(f"مدرک خواسته‌شده برای درخواست {format_code(request.code)}")
    replies = await user.send("فرستادم")
    assert replies[0].text == t("requests.file_expected", title=title)
    replies = await user.send_document("form.pdf", "application/pdf", 9 * MB)
    assert replies[0].text == t("requests.too_big", limit=5, title=title)
    await running.restart()
    replies = await user.send_document("form.pdf", "application/pdf", 90_000)
    assert replies[0].text == t("requests.document_added", title=title,
                                code=format_code(request.code))
    updated = await running.store.request(request.id)
    assert updated.pending_document is None
    docs = await running.store.request_documents(request.id)
    assert docs[-1].doc_type == "form_qf7201" and docs[-1].mime_type == "application/pdf"
    history = await running.store.request_stages(request.id)
    assert history[-1].note == "document:form_qf7201"
    stranger = running.user(5018)
    replies = await stranger.press(f"req:doc:{request.id}")
    assert replies[0].text == t("requests.not_yours")


async def test_invoice_due_tells_the_owner_to_pay(running):
    sub = await seed_subscriber(running.store)
    user = running.user(5019)
    await submit_request(user, catalog.service("diameter_change"), sub.subscription_number)
    request = (await running.store.requests_for_chat(user.id))[0]
    async with running.store.db.transaction() as conn:
        await conn.execute("UPDATE requests SET stage='payment', invoice_amount=2500000"
                           " WHERE id=?", (request.id,))
    replies = await user.send(f"/track {request.code}")
    text = replies[0].text
    assert t("track.action_pay", amount=rials(2_500_000)) in text
    assert t("track.next", stage="تغییر قطر انشعاب توسط عوامل شرکت") in text
    assert not any("req:cancel:" in data for row in replies[0].inline for _, data in row)


async def test_confirming_the_same_draft_again_after_a_crash_stores_one_request(running):
    """kill -9 between the request's commit and the state flush leaves the user at the
    summary after the restart; confirming again must give the same code, not a copy."""
    sub = await seed_subscriber(running.store)
    svc = catalog.service("meter_test")
    user = running.user(5020)
    await _advance_to(user, svc, "confirm", sub.subscription_number)  # the summary is shown
    db = running.store.db
    user_row = tuple(await db.fetchone("SELECT * FROM ptb_user_data WHERE user_id=?", (user.id,)))
    conversations = [tuple(r) for r in await db.fetchall("SELECT * FROM ptb_conversations")]
    first = await user.press("svc:confirm")
    # the process dies before the new conversation state was written: put the old one back
    async with db.transaction() as conn:
        # (the flush deleted the emptied user_data row: put it back as it was)
        await conn.execute("INSERT INTO ptb_user_data (user_id, data) VALUES (?, ?)"
                           " ON CONFLICT (user_id) DO UPDATE SET data=excluded.data", user_row)
        await conn.execute("DELETE FROM ptb_conversations")
        await conn.executemany("INSERT INTO ptb_conversations VALUES (?, ?, ?)", conversations)
    await running.restart()
    again = await user.press("svc:confirm")
    [request] = await running.store.requests_for_chat(user.id)
    code = format_code(request.code)
    assert code in first[0].text and code in again[0].text
    alerts = await running.store.outbox_messages(request_id=request.id)
    assert len([a for a in alerts if a["kind"] == "operator_alert"]) == 1


async def test_two_different_drafts_are_two_requests(store):
    sub = await seed_subscriber(store)
    base = NewRequest(kind="service", service="meter_test", chat_id=1, user_id=1,
                      stage="registered", subscriber_id=sub.id, draft_id="a1")
    one = await store.create_request(base)
    same = await store.create_request(base)
    other = await store.create_request(dataclasses.replace(base, draft_id="b2"))
    assert one.code == same.code != other.code
    assert len(await store.requests_for_chat(1)) == 2


async def _persisted_user_data(running, user_id: int) -> dict:
    row = await running.store.db.fetchone("SELECT data FROM ptb_user_data WHERE user_id=?",
                                          (user_id,))
    return pickle.loads(row[0])


async def test_a_state_out_of_step_with_the_draft_never_skips_a_required_document(running):
    """Whatever left the saved conversation state behind the draft (a crash at the wrong
    moment, a resumed draft), an answer for an earlier step re-asks the draft's own step:
    a required document is never skipped."""
    sub = await seed_subscriber(running.store)
    svc = catalog.service("extra_siphon")
    user = running.user(5030)
    await _advance_to(user, svc, "document", sub.subscription_number)  # draft at the deed
    async with running.store.db.transaction() as conn:
        await conn.execute("UPDATE ptb_conversations SET state=? WHERE name=?",
                           (pickle.dumps(services_handlers.LOCATION), services_handlers.NAME))
    await running.restart()
    replies = await user.share_location(38.07, 46.29)  # answers the (stale) location step
    assert svc.documents[0].title in replies[-1].text
    assert "svc:confirm" not in str([c.inline for c in replies])
    assert await running.store.requests_for_chat(user.id) == []


async def test_confirm_with_a_required_document_missing_goes_back_to_it(running):
    sub = await seed_subscriber(running.store)
    svc = catalog.service("extra_siphon")
    user = running.user(5031)
    await _advance_to(user, svc, "confirm", sub.subscription_number)
    data = await _persisted_user_data(running, user.id)
    data[services_handlers.NAME]["documents"] = []  # the saved draft lost its document
    async with running.store.db.transaction() as conn:
        await conn.execute("UPDATE ptb_user_data SET data=? WHERE user_id=?",
                           (pickle.dumps(data), user.id))
    await running.restart()
    replies = await user.press("svc:confirm")
    assert svc.documents[0].title in replies[-1].text
    assert await running.store.requests_for_chat(user.id) == []
    replies = await user.send_photo()
    assert any("svc:confirm" in str(c.inline) for c in replies)  # back at the summary


async def test_cards_say_only_what_the_seeds_state_and_agree_with_their_stages(running):
    """Issue 13, point 4: no «در منبع اعلام نشده»; a service's site-visit line names the
    stage of the visit (the meter test's included); the new branch is the utility's."""
    user = running.user(5014)
    await user.send(t("menu.services"))
    replies = await user.tap(catalog.service("meter_test").title)
    card = replies[0].text
    test_stage = catalog.service("meter_test").stage("test")
    assert t("services.card_visit", visit=t("services.visit_at", stages=t(
        "services.quoted", text=test_stage.title))) in card
    assert "مدت متوسط" not in card and "اعلام نشده" not in card
    replies = await user.tap(t("services.button_back"))
    replies = await user.tap(catalog.service("tanker_water").title)
    assert t("services.card_duration", duration="۲۴ ساعت") in replies[0].text
    assert t("services.card_visit", visit=t("services.visit_no")) in replies[0].text
    replies = await user.tap(t("services.button_back"))
    replies = await user.tap(catalog.service("new_water_branch").title)
    card = replies[0].text
    assert "مدت متوسط" not in card and "۵۰۰٬۰۰۰" not in card  # no Isfahan rural fee either
    for svc in catalog.services():
        assert svc.site_visit == bool(svc.visit_stages)
