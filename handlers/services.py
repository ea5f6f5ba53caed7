"""The service catalog and the request conversation (🛠 خدمات و درخواست‌ها).

Browse the catalog (description, documents, stages, duration, fees), then fill a request
step by step (bot/services/drafts.py gives the steps): identification, fields, map
location, each document, a summary with the expected fees and date, confirm, tracking
code. The summary lets the applicant change any answer or document before confirming.

The bot asks only what it does not know: the chat's verified subscriptions are offered
as buttons at the subscription step (a typed number is still accepted); an applicant's
national ID, name and mobile are offered back from their last request («همان مشخصات
قبلی»); a field that does not apply is not asked (capacity of a household branch); and a
water bill photo is not asked of a subscriber who proved ownership in this chat.

Identification of an existing subscriber is otherwise the subscription number alone
(valid check digit, on file), without phone verification: the utility checks ownership
from the uploaded documents, and the bot shows nothing of the subscription's personal
data. Each number typed counts against the user's lookup limit (bot/runtime/throttle.py), and the
summary prices the fee from the subscription's data only when the user has proven it is
theirs. The request and its documents are stored in one transaction before the code is shown.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.identifiers import IdentifierError, format_code, parse_subscription
from bot.runtime.app import Ctx
from bot.services import catalog
from bot.services.catalog import Service
from bot.services.deadlines import due_text
from bot.services.drafts import (
    Step,
    applies,
    discard_parked,
    first_missing,
    kept_answers,
    kept_documents,
    new_draft,
    next_position,
    park,
    parked,
    plan,
    remember,
    remembered,
)
from bot.services.fees import expected_branch_fee
from bot.services.validation import InputError, answer, shown
from bot.store.models import Link
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import digits, now_utc, rials
from bot.text.i18n import t
from bot.text.keyboards import button_filter, choices, inline, main_menu
from handlers.common import ID, answer_query, ensure_chat, message_text, reply, show
from handlers.ownership import number_throttled, owned
from handlers.request_steps import (
    cancel_keyboard,
    chat_and_user,
    checked_upload,
    field_error,
    field_prompt,
    location_keyboard,
    media_label,
    new_document,
    upload_error,
    upload_of,
)

NAME = "service_request"
CHOOSE, SUBSCRIPTION, FIELD, LOCATION, DOCUMENT, CONFIRM, PROFILE = range(7)
STATE_OF = {"subscription": SUBSCRIPTION, "applicant": FIELD, "field": FIELD,
            "location": LOCATION, "document": DOCUMENT, "confirm": CONFIRM}
DRAFT_STATES = (SUBSCRIPTION, FIELD, LOCATION, DOCUMENT, CONFIRM, PROFILE)  # recovery.py


def _catalog_markup() -> Any:
    rows = [[(svc.title, f"svc:info:{svc.id}")] for svc in catalog.services()]
    rows.append([(t("services.button_my_requests"), "req:list")])
    return inline(rows)


def _card(svc: Service) -> str:
    docs = "\n".join(_document_line(d) for d in svc.documents)
    stages = "\n".join(t("services.stage_line", number=i, title=s.title)
                       for i, s in enumerate(svc.stages, 1))
    lines = [
        t("services.card_head", title=svc.title, description=svc.description,
          who=t("services.who_subscriber") if svc.who == "subscriber"
          else t("services.who_applicant")),
    ]
    if svc.duration is not None:
        lines.append(t("services.card_duration", duration=svc.duration.text))
    lines += [
        t("services.card_fees", fees=svc.fees.text),
        t("services.card_visit", visit=t("services.visit_at", stages="، ".join(
            t("services.quoted", text=s.title) for s in svc.visit_stages))
          if svc.site_visit else t("services.visit_no")),
        t("services.card_visits", visits=t("services.visits_count", count=svc.in_person_visits)
          if svc.in_person_visits else t("services.visits_none")),
        t("services.card_lists", documents=docs, stages=stages),
    ]
    return "\n".join(lines)


def _document_line(doc: Any) -> str:
    key = "services.document_required" if doc.required else "services.document_optional"
    line = t(key, title=doc.title, media=media_label(doc))
    return line + t("services.document_on_file") if doc.on_file_when_verified else line


async def open_catalog(update: Update, ctx: Ctx) -> int:
    """Show the catalog, or offer to continue a request left half-done."""
    await answer_query(update)
    await ensure_chat(update, ctx)
    draft = parked(ctx.user_data)
    if draft is not None:
        title = catalog.service(draft["service"]).title
        markup = inline([[(t("services.button_resume"), "svc:resume")],
                         [(t("services.button_fresh"), "svc:fresh")]])
        await reply(update, t("services.resume_offer", service=title), markup)
        return CHOOSE
    await reply(update, t("services.catalog_intro"), _catalog_markup())
    return CHOOSE


async def list_services(update: Update, ctx: Ctx) -> int:
    """Show the catalog again (from a card's back button)."""
    await answer_query(update)
    await show(update, ctx, t("services.catalog_intro"), _catalog_markup())
    return CHOOSE


async def service_card(update: Update, ctx: Ctx) -> int:
    """One service: what it is, what to bring, its stages, fees and duration."""
    await answer_query(update)
    svc = _service_of(update)
    if svc is None:
        return await list_services(update, ctx)
    await show(update, ctx, _card(svc), _card_buttons(svc))
    return CHOOSE


async def show_service(update: Update, ctx: Ctx, service_id: str) -> int:
    """One service's card, for a typed request (handlers/understanding.py)."""
    await ensure_chat(update, ctx)
    svc = catalog.service(service_id)
    await reply(update, _card(svc), _card_buttons(svc))
    return CHOOSE


def _card_buttons(svc: Service) -> Any:
    return inline([[(t("services.button_start"), f"svc:start:{svc.id}")],
                   [(t("services.button_back"), "svc:list")]])


async def start_request(update: Update, ctx: Ctx) -> int:
    """Begin a new request for the chosen service."""
    await answer_query(update)
    await ensure_chat(update, ctx)
    svc = _service_of(update)
    if svc is None:
        return await list_services(update, ctx)
    ctx.user_data[NAME] = new_draft(svc.id)
    return await _ask(update, ctx)


async def resume(update: Update, ctx: Ctx) -> int:
    """Continue the parked request from the step where the user left it."""
    await answer_query(update)
    draft = parked(ctx.user_data)
    if draft is None:
        return await list_services(update, ctx)
    ctx.user_data[NAME] = copy.deepcopy(draft)
    return await _ask(update, ctx)


async def start_fresh(update: Update, ctx: Ctx) -> int:
    """Discard the parked request and show the catalog."""
    await answer_query(update)
    discard_parked(ctx.user_data)
    await reply(update, "\n\n".join([t("services.draft_discarded"), t("services.catalog_intro")]),
                _catalog_markup())
    return CHOOSE


async def got_subscription(update: Update, ctx: Ctx) -> int:
    """A linked subscription's button, or a typed subscription number (check digit, on
    file); keep it, no personal data shown. A subscription this chat proved it owns
    spares the applicant the bill photos (the bot has the bills)."""
    if _out_of_step(ctx, "subscription"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    text = message_text(update)
    chat_id, _ = chat_and_user(update)
    links = await _verified_links(ctx, chat_id)
    chosen = next((link for link in links if _link_label(link) == text), None)
    if chosen is not None:
        subscriber = chosen.subscriber
    else:
        try:
            number = parse_subscription(text)
        except IdentifierError as err:
            await reply(update, _subscription_error(err))
            return SUBSCRIPTION
        throttled = await number_throttled(update, ctx)  # found / not found: not an oracle
        if throttled:
            await reply(update, throttled)
            return SUBSCRIPTION
        subscriber = await ctx.store.subscriber_by_number(number.digits)
        if subscriber is None:
            await reply(update, t("requests.subscription_not_found"))
            return SUBSCRIPTION
    draft["subscriber_id"], draft["subscription"] = subscriber.id, subscriber.subscription_number
    draft["verified"] = any(link.subscriber.id == subscriber.id for link in links)
    return await _advance(update, ctx)


async def got_profile(update: Update, ctx: Ctx) -> int:
    """«همان مشخصات قبلی» fills the remembered details; «مشخصات جدید» asks them anew; a
    typed answer is taken as the answer to the first question."""
    if _out_of_step(ctx, "applicant"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    text = message_text(update)
    if text == t("requests.button_same_details"):
        known = {f.id for f in catalog.applicant_fields()}
        draft["applicant"].update({k: v for k, v in remembered(ctx.user_data).items()
                                   if k in known})
        draft["profile"] = "used"
        steps = plan(catalog.service(draft["service"]))
        draft["pos"] = next((i for i, s in enumerate(steps) if s.kind == "applicant"
                             and s.item not in draft["applicant"]),
                            max(i for i, s in enumerate(steps) if s.kind == "applicant"))
        if steps[draft["pos"]].item in draft["applicant"]:
            return await _advance(update, ctx)
        return await _ask(update, ctx)
    draft["profile"] = "declined"
    if text == t("requests.button_new_details"):
        return await _ask(update, ctx)
    return await got_answer(update, ctx)


async def got_answer(update: Update, ctx: Ctx) -> int:
    """Validate an answer to a field; on error say why and ask the same field again."""
    if _out_of_step(ctx, "applicant", "field"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    step, spec = _current_field(draft)
    text = message_text(update)
    target = draft["applicant" if step.kind == "applicant" else "answers"]
    if not spec.required and text == t("common.button_skip"):
        target.pop(spec.id, None)
        return await _advance(update, ctx)
    try:
        value = answer(spec, text)
    except InputError as err:
        await reply(update, field_error(err))
        return FIELD
    target[spec.id] = value
    return await _advance(update, ctx)


async def got_location(update: Update, ctx: Ctx) -> int:
    """Keep the shared map location."""
    if _out_of_step(ctx, "location"):
        return await _ask(update, ctx)
    location = update.effective_message.location if update.effective_message else None
    if location is None:
        await reply(update, t("requests.location_expected", button=t("requests.button_location")),
                    location_keyboard())
        return LOCATION
    ctx.user_data[NAME]["location"] = [location.latitude, location.longitude]
    return await _advance(update, ctx)


async def got_document(update: Update, ctx: Ctx) -> int:
    """Accept a photo or file for the current document; refuse wrong types or sizes."""
    if _out_of_step(ctx, "document"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    spec = svc.document(_step(draft).item or "")
    assert spec is not None
    text = message_text(update)
    others = [d for d in draft["documents"] if d["doc_type"] != spec.id]
    if not spec.required and text == t("common.button_skip"):
        draft["documents"] = others
        return await _advance(update, ctx)
    upload = upload_of(update.effective_message)
    if upload is None:
        await reply(update, t("requests.file_expected", title=spec.title))
        return DOCUMENT
    try:
        upload = await checked_upload(ctx, spec, upload)
    except InputError as err:
        await reply(update, upload_error(err, spec, spec.title))
        return DOCUMENT
    draft["documents"] = [*others, asdict(new_document(spec.id, upload))]
    return await _advance(update, ctx, t("requests.document_saved", title=spec.title))


async def confirm_expected(update: Update, ctx: Ctx) -> int:
    """Anything but the summary's buttons: say what is expected, show the summary again."""
    return await _ask(update, ctx, t("requests.confirm_expected"))


async def submit(update: Update, ctx: Ctx) -> int:
    """Store the request with its documents, then show the tracking code and the expected
    date; a draft that lacks a required answer or document goes back to that step instead.
    An applicant's national ID, name and mobile are remembered for their next request."""
    await answer_query(update)
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    missing = first_missing(svc, draft)
    if missing is not None:
        draft["pos"] = missing
        return await _ask(update, ctx)
    chat_id, user_id = chat_and_user(update)
    subscriber = await ctx.store.subscriber(draft["subscriber_id"]) if draft["subscriber_id"] else None
    location = draft["location"] or [None, None]
    fields: dict[str, Any] = kept_answers(svc, draft)
    if draft["subscription"]:
        fields["subscription_number"] = draft["subscription"]
    on_file = _on_file(svc, draft)
    if on_file:
        fields["documents_on_file"] = [d.id for d in on_file]
    new = NewRequest(
        kind="service", service=svc.id, chat_id=chat_id, user_id=user_id,
        stage=svc.first_stage.id, subscriber_id=draft["subscriber_id"],
        applicant=dict(draft["applicant"]), fields=fields,
        latitude=location[0], longitude=location[1],
        city=fields.get("city") or (subscriber.city if subscriber else None),
        documents=tuple(NewDocument(**d) for d in kept_documents(svc, draft)),
        draft_id=draft.get("draft_id"),
    )
    operators = ctx.settings.operators_chat
    request = await ctx.store.create_request(
        new, alert_chat=operators,
        alert_text=(lambda code: t("requests.operator_alert", service=svc.title,
                                   code=format_code(code), documents=len(new.documents)))
        if operators else None,
    )
    if svc.who == "applicant":
        remember(ctx.user_data, draft["applicant"])
    ctx.user_data.pop(NAME, None)
    discard_parked(ctx.user_data)
    lines = [t("requests.submitted", service=svc.title, code=format_code(request.code),
               stage=svc.first_stage.title)]
    due = due_text(svc, request.created_at)
    if due is not None and svc.duration is not None:
        lines.append(t("requests.submitted_due", duration=svc.duration.text, due=due))
    await reply(update, "\n".join(lines), main_menu())
    return ConversationHandler.END


async def edit_menu(update: Update, ctx: Ctx) -> int:
    """The summary's «ویرایش»: every answer, the location and each document, as buttons."""
    await answer_query(update)
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    rows = [[(digits(_step_label(svc, step)), f"svc:edit:{index}")]
            for index, step in enumerate(plan(svc))
            if step.kind != "confirm" and applies(svc, step, draft)]
    rows.append([(t("requests.button_back_to_summary"), "svc:summary")])
    await reply(update, t("requests.edit_prompt"), inline(rows))
    return CONFIRM


async def edit_step(update: Update, ctx: Ctx) -> int:
    """Ask one step again; once answered, the summary comes back (not the next step)."""
    await answer_query(update)
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    data = update.callback_query.data if update.callback_query else ""
    index = int((data or "0").rsplit(":", 1)[-1] or 0)
    steps = plan(svc)
    if not 0 <= index < len(steps) - 1 or not applies(svc, steps[index], draft):
        return await _ask(update, ctx)
    draft["pos"], draft["editing"] = index, True
    return await _ask(update, ctx)


async def show_summary(update: Update, ctx: Ctx) -> int:
    """Back from the edit list to the summary."""
    await answer_query(update)
    return await _ask(update, ctx)


async def discard(update: Update, ctx: Ctx) -> int:
    """Drop the request without storing anything."""
    await answer_query(update)
    ctx.user_data.pop(NAME, None)
    discard_parked(ctx.user_data)
    await reply(update, t("requests.discarded"), main_menu())
    return ConversationHandler.END


# helpers -----------------------------------------------------------------------------------

restart = open_catalog  # a step whose draft was lost starts again from the catalog


def _service_of(update: Update) -> Service | None:
    data = update.callback_query.data if update.callback_query else ""
    try:
        return catalog.service((data or "").rsplit(":", 1)[-1])
    except KeyError:
        return None


def _step(draft: dict[str, Any]) -> Step:
    return plan(catalog.service(draft["service"]))[draft["pos"]]


def _current_field(draft: dict[str, Any]) -> tuple[Step, Any]:
    step = _step(draft)
    if step.kind == "applicant":
        spec = next(f for f in catalog.applicant_fields() if f.id == step.item)
    else:
        spec = catalog.service(draft["service"]).field(step.item or "")
    return step, spec


def _out_of_step(ctx: Ctx, *kinds: str) -> bool:
    """Whether the draft is at another step than the one this handler answers.

    The conversation's state and the draft's step are saved together, but a crash at the
    wrong moment, or a resumed draft, must never let an answer skip a step (a required
    document above all): the caller then asks the draft's own step again.
    """
    return _step(ctx.user_data[NAME]).kind not in kinds


async def _advance(update: Update, ctx: Ctx, note: str | None = None) -> int:
    """On to the next step that applies; while editing, back to the summary (or to a
    required step the edit made necessary, e.g. the capacity of a non-household branch)."""
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    if draft.get("editing"):
        missing = first_missing(svc, draft)
        draft["pos"] = len(plan(svc)) - 1 if missing is None else missing
    else:
        draft["pos"] = next_position(svc, draft, draft["pos"])
    return await _ask(update, ctx, note)


async def _ask(update: Update, ctx: Ctx, note: str | None = None) -> int:
    """Ask the current step's question (after `note`, in the same message: what the last
    answer did); park the draft; return the state that answers it."""
    draft = ctx.user_data[NAME]
    svc = catalog.service(draft["service"])
    steps = plan(svc)
    if not applies(svc, steps[draft["pos"]], draft):
        draft["pos"] = next_position(svc, draft, draft["pos"])
    park(ctx.user_data, draft)
    step = steps[draft["pos"]]
    state = STATE_OF[step.kind]
    if step.kind == "subscription":
        chat_id, _ = chat_and_user(update)
        labels = [_link_label(link) for link in await _verified_links(ctx, chat_id)]
        text = t("requests.ask_subscription_linked") if labels else t("requests.ask_subscription")
        markup: Any = choices(labels, columns=1)
    elif step.kind == "applicant" and draft.get("profile") is None and remembered(ctx.user_data):
        text, state = _profile_offer(ctx), PROFILE
        markup = choices([t("requests.button_same_details"), t("requests.button_new_details")],
                         columns=1)
    elif step.kind in {"applicant", "field"}:
        text, markup = field_prompt(_current_field(draft)[1])
    elif step.kind == "location":
        text = t("requests.ask_location", button=t("requests.button_location"))
        markup = location_keyboard()
    elif step.kind == "document":
        docs = [s for s in steps if s.kind == "document" and applies(svc, s, draft)]
        spec = svc.document(step.item or "")
        assert spec is not None
        text = t("requests.ask_document", number=docs.index(step) + 1, total=len(docs),
                 title=spec.title, media=media_label(spec), limit=ctx.settings.max_document_mb)
        if not spec.required:
            text += "\n" + t("requests.document_optional")
        markup = cancel_keyboard(skip=not spec.required)
    else:
        draft["editing"] = False
        park(ctx.user_data, draft)
        text = await _summary(update, ctx, svc, draft)
        markup = inline([
            [(t("common.button_confirm"), "svc:confirm")],
            [(t("requests.button_edit"), "svc:edit")],
            [(t("requests.button_discard"), "svc:discard")],
        ])
    await reply(update, f"{note}\n\n{text}" if note else text, markup)
    return state


async def _summary(update: Update, ctx: Ctx, svc: Service, draft: dict[str, Any]) -> str:
    lines = []
    if draft["subscription"]:
        lines.append(t("requests.summary_line", label=t("requests.label_subscription"),
                       value=digits(draft["subscription"])))
    for spec in catalog.applicant_fields():
        if spec.id in draft["applicant"]:
            lines.append(t("requests.summary_line", label=spec.label,
                           value=digits(draft["applicant"][spec.id])))
    answers = kept_answers(svc, draft)
    for spec in svc.fields:
        if spec.id in answers:
            lines.append(t("requests.summary_line", label=spec.label,
                           value=digits(shown(spec, answers[spec.id]))))
    if svc.needs_location:
        lines.append(t("requests.summary_location", location=t("requests.location_given")
                       if draft["location"] else t("requests.location_none")))
    uploaded = {d["doc_type"] for d in draft["documents"]}
    for step in plan(svc):
        if step.kind == "document" and applies(svc, step, draft):
            doc = svc.document(step.item or "")
            assert doc is not None
            lines.append(t("requests.summary_document", title=doc.title,
                           state=t("requests.document_sent") if doc.id in uploaded
                           else t("requests.document_skipped")))
    lines += [t("requests.summary_on_file", title=doc.title) for doc in _on_file(svc, draft)]
    # The fee is priced from what the applicant typed, and from the subscription on file
    # only when this user has proven it is theirs: a typed number is not a proof, and a
    # stranger's units and use would show through the amount.
    proven = (await owned(ctx, update.effective_chat.id, draft["subscriber_id"])
              if draft["subscriber_id"] else None)
    fee = expected_branch_fee(svc, proven.subscriber if proven else None, answers)
    out = [t("requests.summary", service=svc.title, details="\n".join(lines),
             fees=t("requests.fee_amount", amount=rials(fee)) if fee is not None
             else svc.fees.text)]
    due = due_text(svc, now_utc())
    if due is not None and svc.duration is not None:
        out.append(t("requests.summary_due", duration=svc.duration.text, due=due))
    out.append(t("requests.summary_footer"))
    return "\n".join(out)


def _on_file(svc: Service, draft: dict[str, Any]) -> list[Any]:
    """Documents not asked because the bot has them (the verified subscription's bills)."""
    return [d for d in svc.documents if d.on_file_when_verified and draft.get("verified")]


def _step_label(svc: Service, step: Step) -> str:
    """What an edit button changes."""
    if step.kind == "subscription":
        return t("requests.label_subscription")
    if step.kind == "location":
        return t("requests.label_location")
    if step.kind == "document":
        doc = svc.document(step.item or "")
        return doc.title if doc else ""
    spec = (next(f for f in catalog.applicant_fields() if f.id == step.item)
            if step.kind == "applicant" else svc.field(step.item or ""))
    return spec.label if spec else ""


def _profile_offer(ctx: Ctx) -> str:
    known = remembered(ctx.user_data)
    lines = [t("requests.summary_line", label=spec.label, value=digits(known[spec.id]))
             for spec in catalog.applicant_fields() if spec.id in known]
    return t("requests.profile_offer", details="\n".join(lines))


async def _verified_links(ctx: Ctx, chat_id: int) -> list[Link]:
    return [link for link in await ctx.store.links(chat_id) if link.verified]


def _link_label(link: Link) -> str:
    return t("requests.button_linked", nickname=link.nickname,
             number=digits(link.subscriber.subscription_number))


def _subscription_error(err: IdentifierError) -> str:
    if err.code == "not_digits":
        return t("requests.subscription_not_digits")
    if err.code == "too_short":
        return t("requests.subscription_too_short")
    if err.code == "too_long":
        return t("requests.subscription_too_long")
    if err.code == "check_digit":
        return t("requests.subscription_check_digit")
    return t("requests.subscription_invalid")


_ANY = filters.ALL & ~filters.COMMAND
_ENTRY = [
    MessageHandler(button_filter("menu.services"), open_catalog),
    CommandHandler("services", open_catalog),
    CallbackQueryHandler(service_card, pattern=r"^svc:info:[a-z_]+$"),
    CallbackQueryHandler(list_services, pattern=r"^svc:list$"),
    CallbackQueryHandler(start_request, pattern=r"^svc:start:[a-z_]+$"),
    CallbackQueryHandler(resume, pattern=r"^svc:resume$"),
    CallbackQueryHandler(start_fresh, pattern=r"^svc:fresh$"),
]


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=_ENTRY,
            states={
                CHOOSE: [],
                SUBSCRIPTION: [MessageHandler(_ANY, got_subscription)],
                FIELD: [MessageHandler(_ANY, got_answer)],
                LOCATION: [MessageHandler(_ANY, got_location)],
                DOCUMENT: [MessageHandler(_ANY, got_document)],
                CONFIRM: [
                    CallbackQueryHandler(submit, pattern=r"^svc:confirm$"),
                    CallbackQueryHandler(edit_menu, pattern=r"^svc:edit$"),
                    CallbackQueryHandler(edit_step, pattern=rf"^svc:edit:{ID}$"),
                    CallbackQueryHandler(show_summary, pattern=r"^svc:summary$"),
                    CallbackQueryHandler(discard, pattern=r"^svc:discard$"),
                    MessageHandler(_ANY, confirm_expected),
                ],
                PROFILE: [MessageHandler(_ANY, got_profile)],
            },
            fallbacks=[],
        ),
    ]
