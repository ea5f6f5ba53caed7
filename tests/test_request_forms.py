"""Issue 13, points 1 and 3, through the real Application: the request forms ask only what
the bot does not know, and let the applicant change any answer before confirming."""

from __future__ import annotations

from bot.services import catalog
from bot.services.drafts import PROFILE
from bot.text import fmt
from bot.text.fmt import rials
from bot.text.i18n import t
from tests.requests_fixtures import MOBILE, NAME, NATIONAL_ID, seed_subscriber, submit_request
from tests.test_jobs import linked


def keyboard(replies) -> list[str]:
    return [label for call in replies for row in call.keyboard for label in row]


def linked_label(sub, nickname: str = "خانه") -> str:
    return t("requests.button_linked", nickname=nickname,
             number=fmt.digits(sub.subscription_number))


async def test_a_verified_subscription_is_a_button_and_its_bills_are_not_asked_for(running):
    home = await seed_subscriber(running.store)
    other = await seed_subscriber(running.store)
    unproved = await seed_subscriber(running.store)
    user = running.user(5100)
    await linked(running, home, user.id)
    await running.store.link_subscription(user.id, unproved.id, "مغازه")  # not verified
    svc = catalog.service("meter_test")
    replies = await user.press(f"svc:start:{svc.id}")
    assert replies[0].text == t("requests.ask_subscription_linked")
    assert keyboard(replies) == [linked_label(home), t("common.button_cancel")]
    await user.send(linked_label(home))
    await user.send("کنتور تند کار می‌کند")
    replies = await user.send_photo()  # the QF7201 form, optional: no bill photo was asked
    summary = replies[-1].text
    assert t("requests.summary_on_file", title="قبض آب مشترک") in summary
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.subscriber_id == home.id
    assert request.fields["documents_on_file"] == ["water_bill"]
    assert [d.doc_type for d in await running.store.request_documents(request.id)] == ["form_qf7201"]

    # a typed number is still accepted; the bill is asked when ownership is not proved here
    await user.press(f"svc:start:{svc.id}")
    await user.send(fmt.digits(other.subscription_number))
    replies = await user.send("کنتور تند کار می‌کند")
    assert replies[0].text.startswith(t("requests.ask_document", number=1, total=2,
                                        title="قبض آب مشترک", media=t("services.media_photo_pdf"),
                                        limit=10))
    # typing the number of the proved subscription counts as choosing it
    await user.press(f"svc:start:{svc.id}")
    await user.send(home.subscription_number)
    replies = await user.send("کنتور تند کار می‌کند")
    assert replies[0].text.startswith(t("requests.ask_document", number=1, total=1,
                                        title=svc.document("form_qf7201").title,
                                        media=t("services.media_photo_pdf"), limit=10))


async def test_the_applicant_is_offered_the_details_of_their_last_request(running):
    user = running.user(5101)
    await submit_request(user, catalog.service("tanker_water"), None)  # the first request
    assert running.app.user_data[user.id][PROFILE] == {
        "national_id": NATIONAL_ID, "full_name": NAME, "mobile": "09123456789"}
    svc = catalog.service("new_water_branch")
    replies = await user.press(f"svc:start:{svc.id}")
    offer = replies[0].text
    assert fmt.digits(NATIONAL_ID) in offer and NAME in offer and fmt.digits("09123456789") in offer
    assert keyboard(replies)[:2] == [t("requests.button_same_details"),
                                     t("requests.button_new_details")]
    replies = await user.send(t("requests.button_same_details"))
    assert replies[0].text == t("requests.ask_text", label="نشانی دقیق ملک")
    await user.send("تبریز، خیابان امام، کوچه گلستان، پلاک ۴")
    for answer in ("مرند", "خانگی", "۱"):
        await user.send(answer)
    await user.share_location(38.4, 45.7)
    for _ in svc.documents:
        replies = await user.send_photo()
    assert NAME in replies[-1].text
    # editable: change the name from the summary, then confirm
    await user.tap(t("requests.button_edit"))
    replies = await user.tap("نام و نام خانوادگی متقاضی")
    assert replies[0].text == t("requests.ask_name", label="نام و نام خانوادگی متقاضی")
    replies = await user.send("زهرا کریمی")
    assert "زهرا کریمی" in replies[-1].text and NAME not in replies[-1].text
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert request.applicant["full_name"] == "زهرا کریمی"
    assert request.applicant["national_id"] == NATIONAL_ID
    # the next request offers the edited details; «مشخصات جدید» asks them anew
    replies = await user.press(f"svc:start:{svc.id}")
    assert "زهرا کریمی" in replies[0].text
    replies = await user.send(t("requests.button_new_details"))
    assert replies[0].text == t("requests.ask_national_id", label="کد ملی متقاضی")


async def test_a_typed_national_id_at_the_offer_is_taken_as_the_answer(running):
    user = running.user(5102)
    running.app.user_data[user.id][PROFILE] = {"national_id": NATIONAL_ID, "full_name": NAME,
                                                "mobile": "09123456789"}
    await user.press("svc:start:tanker_water")
    replies = await user.send("۰۴۹۹۳۷۰۸۹۹")
    assert replies[0].text == t("requests.ask_name", label="نام و نام خانوادگی متقاضی")


async def test_any_answer_or_document_can_be_changed_before_confirming(running):
    """Issue 13, point 3: the summary's «ویرایش» lists every answer, the location and each
    document; a changed answer that makes another question necessary asks it too."""
    svc = catalog.service("new_water_branch")
    user = running.user(5103)
    await user.press(f"svc:start:{svc.id}")
    for answer in (NATIONAL_ID, NAME, MOBILE, "تبریز، خیابان امام، کوچه گلستان، پلاک ۴",
                   "تبریز", "۳", "خانگی", "۲"):
        await user.send(answer)
    await user.share_location(38.08, 46.29)
    for _ in svc.documents:
        replies = await user.send_photo()
    assert rials(37_660_000) in replies[-1].text
    replies = await user.tap(t("requests.button_edit"))
    labels = [label for row in replies[0].inline for label, _ in row]
    assert labels[:8] == ["کد ملی متقاضی", "نام و نام خانوادگی متقاضی", "شماره تلفن همراه متقاضی",
                          "نشانی دقیق ملک", "شهر محل ملک", "منطقه شهرداری محل ملک (۱ تا ۱۰)",
                          "کاربری", "تعداد واحد"]
    assert t("requests.label_location") in labels and svc.documents[1].title in labels
    assert "ظرفیت قراردادی (مترمکعب در ماه)" not in labels  # household: not asked
    # household → commercial: the capacity is now needed, and asked before the summary
    await user.tap("کاربری")
    replies = await user.send("تجاری")
    assert replies[0].text.startswith(t("requests.ask_number", label="ظرفیت قراردادی (مترمکعب در ماه)",
                                        min=1, max=100000))
    replies = await user.send("۲۰")
    summary = replies[-1].text
    # seed 003: 20 m³ × 285,000 × 1.3 (Tabriz) + commercial value 1,140,000 × 2 units
    # + installation 9,700,000 + supervision 180,000 × 2 = 19,750,000 rials
    assert rials(19_750_000) in summary and "تجاری" in summary
    # replace a document: the new photo takes the old one's place
    await user.tap(t("requests.button_edit"))
    replies = await user.tap(svc.documents[1].title)
    assert svc.documents[1].title in replies[0].text
    await user.send_photo()
    # and back to household: the capacity is dropped again
    await user.tap(t("requests.button_edit"))
    await user.tap("کاربری")
    replies = await user.send("خانگی")
    assert rials(37_660_000) in replies[-1].text
    await user.tap("تأیید")
    request = (await running.store.requests_for_chat(user.id))[0]
    assert "contract_capacity" not in request.fields and request.fields["usage"] == "household"
    docs = await running.store.request_documents(request.id)
    assert sorted(d.doc_type for d in docs) == sorted(d.id for d in svc.documents)
    assert len({d.file_id for d in docs}) == len(docs)
