"""The service catalog and the request conversation (🛠 خدمات و درخواست‌ها).

Browse the catalog (description, documents, stages, duration, fees), then fill a request
step by step (bot/services/drafts.py gives the steps): identification, fields, map
location, each document, a summary with the expected fees, confirm, tracking code.

Identification of an existing subscriber is the subscription number alone (valid check
digit, on file), without phone verification: the utility checks ownership from the
uploaded documents, and the bot shows nothing of the subscription's personal data.
The request and its documents are stored in one transaction before the code is shown.
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

from bot.app import Ctx
from bot.identifiers import IdentifierError, format_code, parse_subscription
from bot.services import catalog
from bot.services.catalog import Service
from bot.services.drafts import Step, discard_parked, new_draft, park, parked, plan
from bot.services.fees import expected_branch_fee
from bot.services.validation import InputError, answer, check_upload, shown
from bot.store.request_models import NewDocument, NewRequest
from bot.text.fmt import digits, rials
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from handlers.common import answer_query, ensure_chat, message_text, reply, show
from handlers.request_steps import (
    cancel_keyboard,
    chat_and_user,
    field_error,
    field_prompt,
    location_keyboard,
    media_label,
    new_document,
    upload_error,
    upload_of,
)

NAME = "service_request"
CHOOSE, SUBSCRIPTION, FIELD, LOCATION, DOCUMENT, CONFIRM = range(6)
STATE_OF = {"subscription": SUBSCRIPTION, "applicant": FIELD, "field": FIELD,
            "location": LOCATION, "document": DOCUMENT, "confirm": CONFIRM}


def _catalog_markup() -> Any:
    rows = [[(svc.title, f"svc:info:{svc.id}")] for svc in catalog.services()]
    rows.append([(t("services.button_my_requests"), "req:list")])
    return inline(rows)


def _card(svc: Service) -> str:
    docs = "\n".join(
        t("services.document_required", title=d.title, media=media_label(d)) if d.required
        else t("services.document_optional", title=d.title, media=media_label(d))
        for d in svc.documents
    )
    stages = "\n".join(t("services.stage_line", number=i, title=s.title)
                       for i, s in enumerate(svc.stages, 1))
    return t(
        "services.card", title=svc.title, description=svc.description,
        who=t("services.who_subscriber") if svc.who == "subscriber" else t("services.who_applicant"),
        duration=svc.duration.text, fees=svc.fees.text,
        visit=t("services.visit_yes") if svc.site_visit else t("services.visit_no"),
        visits=t("services.visits_count", count=svc.in_person_visits) if svc.in_person_visits
        else t("services.visits_none"),
        documents=docs, stages=stages,
    )


async def open_catalog(update: Update, ctx: Ctx) -> int:
    """Show the catalog, or offer to continue a request left half-done."""
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
    markup = inline([[(t("services.button_start"), f"svc:start:{svc.id}")],
                     [(t("services.button_back"), "svc:list")]])
    await show(update, ctx, _card(svc), markup)
    return CHOOSE


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
    await reply(update, t("services.draft_discarded"))
    await reply(update, t("services.catalog_intro"), _catalog_markup())
    return CHOOSE


async def got_subscription(update: Update, ctx: Ctx) -> int:
    """Check the subscription number (check digit, on file); keep it, no personal data shown."""
    if _out_of_step(ctx, "subscription"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    text = message_text(update)
    try:
        number = parse_subscription(text)
    except IdentifierError as err:
        await reply(update, _subscription_error(err))
        return SUBSCRIPTION
    subscriber = await ctx.store.subscriber_by_number(number.digits)
    if subscriber is None:
        await reply(update, t("requests.subscription_not_found"))
        return SUBSCRIPTION
    draft["subscriber_id"], draft["subscription"] = subscriber.id, number.digits
    return await _advance(update, ctx)


async def got_answer(update: Update, ctx: Ctx) -> int:
    """Validate an answer to a field; on error say why and ask the same field again."""
    if _out_of_step(ctx, "applicant", "field"):
        return await _ask(update, ctx)
    draft = ctx.user_data[NAME]
    step, spec = _current_field(draft)
    text = message_text(update)
    if not spec.required and text == t("common.button_skip"):
        return await _advance(update, ctx)
    try:
        value = answer(spec, text)
    except InputError as err:
        await reply(update, field_error(err))
        return FIELD
    draft["applicant" if step.kind == "applicant" else "answers"][spec.id] = value
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
    if not spec.required and text == t("common.button_skip"):
        return await _advance(update, ctx)
    upload = upload_of(update.effective_message)
    if upload is None:
        await reply(update, t("requests.file_expected", title=spec.title))
        return DOCUMENT
    try:
        check_upload(spec, upload, ctx.settings.max_document_mb)
    except InputError as err:
        await reply(update, upload_error(err, spec, spec.title))
        return DOCUMENT
    draft["documents"].append(asdict(new_document(spec.id, upload)))
    await reply(update, t("requests.document_saved", title=spec.title))
    return await _advance(update, ctx)


async def confirm_expected(update: Update, ctx: Ctx) -> int:
    """Anything but the summary's buttons: say what is expected, show the summary again."""
    await reply(update, t("requests.confirm_expected"))
    return await _ask(update, ctx)


async def submit(update: Update, ctx: Ctx) -> int:
    """Store the request with its documents, then show the tracking code; a draft that
    lacks a required answer or document goes back to that step instead."""
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
    fields = dict(draft["answers"])
    if draft["subscription"]:
        fields["subscription_number"] = draft["subscription"]
    new = NewRequest(
        kind="service", service=svc.id, chat_id=chat_id, user_id=user_id,
        stage=svc.first_stage.id, subscriber_id=draft["subscriber_id"],
        applicant=dict(draft["applicant"]), fields=fields,
        latitude=location[0], longitude=location[1],
        city=fields.get("city") or (subscriber.city if subscriber else None),
        documents=tuple(NewDocument(**d) for d in draft["documents"]),
        draft_id=draft.get("draft_id"),
    )
    operators = ctx.settings.operators_chat
    request = await ctx.store.create_request(
        new, alert_chat=operators,
        alert_text=(lambda code: t("requests.operator_alert", service=svc.title,
                                   code=format_code(code), documents=len(new.documents)))
        if operators else None,
    )
    ctx.user_data.pop(NAME, None)
    discard_parked(ctx.user_data)
    await reply(update, t("requests.submitted", service=svc.title, code=format_code(request.code),
                          stage=svc.first_stage.title, duration=svc.duration.text), main_menu())
    return ConversationHandler.END


async def discard(update: Update, ctx: Ctx) -> int:
    """Drop the request without storing anything."""
    await answer_query(update)
    ctx.user_data.pop(NAME, None)
    discard_parked(ctx.user_data)
    await reply(update, t("requests.discarded"), main_menu())
    return ConversationHandler.END


# helpers -----------------------------------------------------------------------------------

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


def first_missing(svc: Service, draft: dict[str, Any]) -> int | None:
    """The index of the first step whose required answer or document the draft lacks."""
    documents = {d["doc_type"] for d in draft["documents"]}
    for index, step in enumerate(plan(svc)):
        missing = (
            (step.kind == "subscription" and not draft["subscription"])
            or (step.kind == "location" and not draft["location"])
            or (step.kind in {"applicant", "field"} and _required(svc, step)
                and step.item not in draft["applicant" if step.kind == "applicant"
                                           else "answers"])
            or (step.kind == "document" and svc.document(step.item or "").required
                and step.item not in documents)
        )
        if missing:
            return index
    return None


def _required(svc: Service, step: Step) -> bool:
    if step.kind == "applicant":
        return next(f for f in catalog.applicant_fields() if f.id == step.item).required
    return svc.field(step.item or "").required


async def _advance(update: Update, ctx: Ctx) -> int:
    ctx.user_data[NAME]["pos"] += 1
    return await _ask(update, ctx)


async def _ask(update: Update, ctx: Ctx) -> int:
    """Ask the current step's question; park the draft; return the state that answers it."""
    draft = ctx.user_data[NAME]
    park(ctx.user_data, draft)
    svc = catalog.service(draft["service"])
    steps = plan(svc)
    step = steps[draft["pos"]]
    if step.kind == "subscription":
        await reply(update, t("requests.ask_subscription"), cancel_keyboard())
    elif step.kind in {"applicant", "field"}:
        text, markup = field_prompt(_current_field(draft)[1])
        await reply(update, text, markup)
    elif step.kind == "location":
        await reply(update, t("requests.ask_location", button=t("requests.button_location")),
                    location_keyboard())
    elif step.kind == "document":
        docs = [s for s in steps if s.kind == "document"]
        spec = svc.document(step.item or "")
        assert spec is not None
        text = t("requests.ask_document", number=docs.index(step) + 1, total=len(docs),
                 title=spec.title, media=media_label(spec), limit=ctx.settings.max_document_mb)
        if not spec.required:
            text += "\n" + t("requests.document_optional")
        await reply(update, text, cancel_keyboard(skip=not spec.required))
    else:
        await reply(update, await _summary(ctx, svc, draft), inline([
            [(t("common.button_confirm"), "svc:confirm")],
            [(t("requests.button_discard"), "svc:discard")],
        ]))
    return STATE_OF[step.kind]


async def _summary(ctx: Ctx, svc: Service, draft: dict[str, Any]) -> str:
    lines = []
    if draft["subscription"]:
        lines.append(t("requests.summary_line", label=t("requests.label_subscription"),
                       value=digits(draft["subscription"])))
    for spec in catalog.applicant_fields():
        if spec.id in draft["applicant"]:
            lines.append(t("requests.summary_line", label=spec.label,
                           value=digits(draft["applicant"][spec.id])))
    for spec in svc.fields:
        if spec.id in draft["answers"]:
            lines.append(t("requests.summary_line", label=spec.label,
                           value=digits(shown(spec, draft["answers"][spec.id]))))
    subscriber = await ctx.store.subscriber(draft["subscriber_id"]) if draft["subscriber_id"] else None
    fee = expected_branch_fee(svc, subscriber, draft["answers"])
    return t(
        "requests.summary", service=svc.title, details="\n".join(lines),
        documents=len(draft["documents"]),
        location=t("requests.location_given") if draft["location"] else t("requests.location_none"),
        fees=t("requests.fee_amount", amount=rials(fee)) if fee is not None else svc.fees.text,
        duration=svc.duration.text,
    )


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
                    CallbackQueryHandler(discard, pattern=r"^svc:discard$"),
                    MessageHandler(_ANY, confirm_expected),
                ],
            },
            fallbacks=[],
        ),
    ]
