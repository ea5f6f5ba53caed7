"""Typed text: questions and pasted numbers go to their answer (the decision is bot/understand's).

* Group 0, after every feature (`build`): a text no step took (the main menu, or a step that
  waits for a button) is understood and routed to the feature's own entry point, with the
  same ownership checks and throttles as the menus: a pasted subscription number, bill ID,
  bill ID with its payment ID or barcode opens the bill inquiry (handlers/bills.py
  `inquire`), a tracking code its request (handlers/tracking.py `look_up`), «الگوی مصرف تبریز» the answer, «۳۰ متر مکعب …» the
  calculator with 30 filled in, «آب تانکری میخوام» the service card, «لوله ترکیده» the
  incident report after the emergency number. When unsure: up to three «منظورتان این بود؟»
  buttons; out of the domain: what the bot does; nothing at all: what it does, and the
  text is counted (masked) for the clerks (`python -m bot ops unknown`).
* Group -1 (`build_interrupts`): inside a step that waits for typed input, the cancel words
  («لغو», «منو», …) work like /cancel and /menu; a text that is clearly another request
  (no digits: numbers are answers) gets a button to leave the step for it, and the step
  and its draft stay as they were until the user presses it.
* Buttons `nlu:<intent>:<target>:<values>` (suggestions, leaving a step) route the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.runtime.app import Ctx
from bot.runtime.conversations import end_conversations, enter_conversation, waiting_steps
from bot.services import catalog
from bot.store.models import Link
from bot.text.i18n import t
from bot.text.keyboards import inline, main_menu
from bot.understand import Understanding, understand
from bot.understand.matcher import cancel_word, lexicon
from bot.understand.numbers import BILL, PAYMENT, SUBSCRIPTION, TRACKING, masked
from handlers import (
    bills,
    branch_fee,
    calculator,
    incidents,
    info,
    my_requests,
    navigation,
    services,
    subscriptions,
    tracking,
)
from handlers.common import answer_query, ensure_chat, message_text, reply
from tariffs import get_schedule, list_schedules

STRONG = 2.0  # a rule counted (bot/understand MIN_SCORE), surely, for another feature: leave?
FEATURE = {  # intent → the conversation that serves it (a step of it is not interrupted)
    "bill": "bills", "pay": "bills", "high_bill": "bills", "chart": "bills",
    "calculator": "calculator", "branch_fee": "branch_fee", "self_reading": "self_reading",
    "service": "service_request", "incident": "incident", "info": "info", "tracking": "track",
    "my_requests": "request_document", "my_subscriptions": "subs", "outage": "incident",
}
NEVER_INTERRUPTED = ("op", "ops")  # operators' conversations: staff typing notes and reasons
MAX_REQUEST_WORDS = 8  # longer texts inside a step are answers (a description, an address)
VALUE_KEYS = {"s": SUBSCRIPTION, "b": BILL, "t": TRACKING, "c": "city", "m": "consumption"}
MAX_CALLBACK = 64
BY_NUMBER = {"bill", "pay", "high_bill", "chart", "my_subscriptions", "tracking"}
"""Intents a pasted number opens directly (its bill, or its request)."""


# --- buttons that carry an understanding ---------------------------------------------------

def callback(intent: str, target: str | None = None, values: dict[str, str] | None = None) -> str:
    """`nlu:<intent>:<target>:<k=v&…>` for a button (values that fit in 64 bytes only)."""
    keys = {name: short for short, name in VALUE_KEYS.items()}
    packed = "&".join(f"{keys[k]}={v}" for k, v in (values or {}).items() if k in keys)
    data = f"nlu:{intent}:{target or ''}:{packed}"
    return data if len(data.encode()) <= MAX_CALLBACK else f"nlu:{intent}:{target or ''}:"


def from_callback(data: str) -> Understanding:
    """The understanding a `nlu:` button carries."""
    _, intent, target, packed = [*data.split(":", 3), "", "", ""][:4]
    values = {}
    for pair in filter(None, packed.split("&")):
        short, _, value = pair.partition("=")
        if short in VALUE_KEYS and (value.isdigit() or short == "c"):
            values[VALUE_KEYS[short]] = value
    return Understanding(intent, target or None, values)


def label(intent: str, target: str | None) -> str:
    """The button label of an intent (a service or incident by its catalog title)."""
    if intent == "service" and target:
        return t("understand.label_service", title=catalog.service(target).title)
    if intent == "incident" and target:
        return t("understand.label_incident", title=catalog.incident_type(target).title)
    if intent == "info" and target:
        return t(f"info.titles.{target}")
    return t(f"understand.labels.{intent}")


# --- routing ------------------------------------------------------------------------------

async def route(update: Update, ctx: Ctx, u: Understanding) -> None:
    """Answer an understood request through the feature's own entry point."""
    values = u.values
    if u.intent == "unknown":
        await _not_understood(update, ctx, u)
        return
    if TRACKING in values and u.alternatives:
        await _which_number(update, values[TRACKING], u.alternatives)
        return
    if u.intent in SIMPLE:
        await SIMPLE[u.intent](update, ctx, u)
        return
    end_conversations(ctx.application, update, ctx.user_data)
    if u.intent not in BY_NUMBER:  # a service, incident, topic or the calculator: its own flow
        await FLOWS[u.intent](update, ctx, u)
    elif TRACKING in values:
        await _run(update, ctx, tracking.NAME, tracking.look_up(update, ctx, values[TRACKING]))
    elif BILL in values or SUBSCRIPTION in values:  # bills.inquire enters its own state
        number = values.get(BILL) or values[SUBSCRIPTION]
        await bills.inquire(update, ctx, f"{number} {values[PAYMENT]}" if PAYMENT in values
                            else number)
    elif u.invalid_number and u.intent == "tracking":  # a typo: say which check failed
        await _run(update, ctx, tracking.NAME, tracking.look_up(update, ctx, u.invalid_number))
    elif u.invalid_number and u.intent == "bill":
        await bills.inquire(update, ctx, u.invalid_number)
    else:
        await FLOWS[u.intent](update, ctx, u)


async def _run(update: Update, ctx: Ctx, name: str, step: Awaitable[object]) -> None:
    """Run a conversation's step and leave the user in the state it returns."""
    enter_conversation(ctx.application, update, name, await step)


async def _which_number(update: Update, code: str, others: list[dict[str, str]]) -> None:
    """A number that is a tracking code and also a subscription number or bill ID: ask."""
    rows = [[(t("understand.number_is_tracking"), callback("tracking", values={TRACKING: code}))]]
    for other in others:
        kind = next(iter(other))
        if kind in (BILL, SUBSCRIPTION):
            rows.append([(t("understand.number_is_bill"), callback("bill", values=other))])
    await reply(update, t("understand.which_number"), inline(rows))


async def _links(update: Update, ctx: Ctx) -> list[Link]:
    return [link for link in await ctx.store.links(update.effective_chat.id) if link.verified]


async def _bill(update: Update, ctx: Ctx, u: Understanding) -> None:
    if u.intent == "pay":
        await reply(update, t("understand.pay_how"))
    await _run(update, ctx, bills.NAME, bills.start(update, ctx))


async def _per_subscription(update: Update, ctx: Ctx, u: Understanding) -> None:
    """High-bill diagnosis or the chart: of the only verified subscription, or ask which."""
    links = await _links(update, ctx)
    if not links:
        await reply(update, t("understand.link_first"))
        await _run(update, ctx, bills.NAME, bills.start(update, ctx))
        return
    if len(links) > 1:
        rows = []
        for link in links:
            latest = await ctx.store.latest_bill(link.subscriber.id)
            if u.intent == "chart":
                rows.append([(link.nickname, f"bill:chart:{link.subscriber.id}")])
            elif latest is not None:
                rows.append([(link.nickname, f"bill:why:{latest.id}")])
        await reply(update, t("understand.which_subscription"), inline(rows))
        return
    link = links[0]
    if u.intent == "chart":
        await bills.send_chart(update, ctx, link)
        return
    latest = await ctx.store.latest_bill(link.subscriber.id)
    if latest is None:
        await reply(update, t("bills.no_bills", nickname=link.nickname), main_menu())
        return
    await bills.send_why(update, ctx, latest, link)


async def _calculator(update: Update, ctx: Ctx, u: Understanding) -> None:
    prefill: dict = {}
    links = await _links(update, ctx)
    if links:  # the user's own city, usage and units
        sub = links[0].subscriber
        prefill = {"schedule": sub.schedule, "city": sub.city}
        if sub.usage in get_schedule(sub.schedule).usage_classes:
            prefill.update(usage=sub.usage, units=sub.units)
    place = u.values.get("city")
    schedule = _schedule_of(place) if place else None
    if place and schedule and (place, schedule) != (prefill.get("city"), prefill.get("schedule")):
        prefill = {"schedule": schedule, "city": place}
    used = u.values.get("consumption", "")
    if used.isdigit() and int(used) <= calculator.MAX_CONSUMPTION:
        prefill["consumption"] = int(used)
    await _run(update, ctx, calculator.NAME, calculator.start_with(update, ctx, prefill))


def _schedule_of(city: str) -> str | None:
    return next((s.id for s in list_schedules() if city in get_schedule(s.id).cities), None)


async def _service(update: Update, ctx: Ctx, u: Understanding) -> None:
    step = (services.show_service(update, ctx, u.target) if u.target
            else services.open_catalog(update, ctx))
    await _run(update, ctx, services.NAME, step)


async def _incident(update: Update, ctx: Ctx, u: Understanding) -> None:
    step = (incidents.start_with(update, ctx, u.target) if u.target
            else incidents.start(update, ctx))
    await _run(update, ctx, incidents.NAME, step)


async def _info(update: Update, ctx: Ctx, u: Understanding) -> None:
    step = (info.show_topic(update, ctx, u.target, u.values.get("city")) if u.target
            else info.list_topics(update, ctx))
    await _run(update, ctx, info.NAME, step)


async def _self_reading(update: Update, ctx: Ctx, u: Understanding) -> None:
    from handlers import self_reading

    await _run(update, ctx, self_reading.NAME, self_reading.start(update, ctx))


async def _tracking(update: Update, ctx: Ctx, u: Understanding) -> None:
    await _run(update, ctx, tracking.NAME, tracking.ask_code(update, ctx))


async def _subscriptions(update: Update, ctx: Ctx, u: Understanding) -> None:
    await _run(update, ctx, subscriptions.NAME, subscriptions.show_list(update, ctx))


async def _requests(update: Update, ctx: Ctx, u: Understanding) -> None:
    await my_requests.list_requests(update, ctx)


async def _branch_fee(update: Update, ctx: Ctx, u: Understanding) -> None:
    await _run(update, ctx, branch_fee.NAME, branch_fee.start(update, ctx))


async def _outage(update: Update, ctx: Ctx, u: Understanding) -> None:
    button = callback("incident", "sudden_cut")
    await reply(update, t("understand.outage", emergency=ctx.settings.emergency_phone),
                inline([[(label("incident", "sudden_cut"), button)]]))


async def _say(update: Update, ctx: Ctx, u: Understanding) -> None:
    """Greeting, thanks, help, a person: a short answer and the menu."""
    if u.intent == "help":
        await navigation.help_command(update, ctx)
    key = {"greeting": "understand.greeting", "thanks": "understand.thanks",
           "human": "understand.human"}[u.intent]
    await reply(update, t(key, emergency=ctx.settings.emergency_phone) if u.intent == "human"
                else t(key), main_menu())


async def _not_understood(update: Update, ctx: Ctx, u: Understanding) -> None:
    """Out of the domain, unsure, or nothing: never a bare «متوجه نشدم»."""
    if u.out_of_domain:
        topic = f"understand.topics.{u.out_of_domain}"
        await reply(update, t("understand.out_of_domain", topic=t(topic)), main_menu())
        return
    text = message_text(update)
    if text:  # counted for the clerks, masked: no number, no chat or user id
        await ctx.store.count_unknown_text(masked(text))
    if u.suggestions:
        await _suggest(update, u)
        return
    await reply(update, t("understand.not_understood"), main_menu())


async def _suggest(update: Update, u: Understanding) -> None:
    rows = [[(label(i, g), callback(i, g, u.values))] for i, g in u.suggestions[:3]]
    rows.append([(t("common.button_menu"), "nlu:menu::")])
    await reply(update, t("understand.did_you_mean"), inline(rows))


FLOWS = {
    "bill": _bill, "pay": _bill, "high_bill": _per_subscription, "chart": _per_subscription,
    "calculator": _calculator, "service": _service, "incident": _incident, "info": _info,
    "self_reading": _self_reading, "tracking": _tracking, "my_subscriptions": _subscriptions,
    "branch_fee": _branch_fee,
}
SIMPLE = {
    "greeting": _say, "thanks": _say, "help": _say, "human": _say, "outage": _outage,
    "my_requests": _requests,
}


# --- handlers -----------------------------------------------------------------------------

async def on_text(update: Update, ctx: Ctx) -> None:
    """A text no step took: understand it and answer."""
    await ensure_chat(update, ctx)
    text = message_text(update)
    kind = cancel_word(text)
    if kind == "cancel":
        await navigation.cancel(update, ctx)
    if kind == "menu":
        await navigation.menu(update, ctx)
    u = understand(text)
    if not u.sure and u.intent != "unknown" and u.suggestions:
        await _suggest(update, u)
        return
    await route(update, ctx, u)


async def in_step(update: Update, ctx: Ctx) -> None:
    """A text while a step waits for typed input: cancel words, or clearly another request."""
    steps = waiting_steps(ctx.application, update)
    if not steps:
        return
    text = message_text(update)
    kind = cancel_word(text)
    if kind == "cancel":
        await navigation.cancel(update, ctx)
    if kind == "menu":
        await navigation.menu(update, ctx)
    if any(name.startswith(NEVER_INTERRUPTED) for name in steps) or any(c.isdigit() for c in text):
        return
    u = understand(text, strict=True)
    if (not u.sure or u.score < STRONG or u.intent not in FEATURE or len(text.split()) > MAX_REQUEST_WORDS
            or any(FEATURE.get(intent) in steps for intent, _, _ in u.scored)):
        return
    rows = [[(t("understand.button_leave", request=label(u.intent, u.target)),
              callback(u.intent, u.target, u.values))],
            [(t("understand.button_stay"), "nlu:stay::")]]
    await reply(update, t("understand.leave_step", request=label(u.intent, u.target)), inline(rows))
    raise ApplicationHandlerStop


async def on_button(update: Update, ctx: Ctx) -> None:
    """`nlu:` buttons: a suggestion, leaving a step for another request, staying, the menu."""
    await answer_query(update)
    data = update.callback_query.data or ""
    if data.startswith("nlu:stay:"):
        await reply(update, t("understand.stayed"))
    elif data.startswith("nlu:menu:"):
        await navigation.menu(update, ctx)
    else:
        u = from_callback(data)
        if u.intent in FLOWS or u.intent in SIMPLE:
            await route(update, ctx, u)
        else:
            await reply(update, t("common.expired_button"), main_menu())
    raise ApplicationHandlerStop


def build_interrupts() -> list:
    """Group -1: cancel words and other requests inside a step; the `nlu:` buttons."""
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND, in_step),
        CallbackQueryHandler(on_button, pattern=r"^nlu:"),
    ]


def build() -> list:
    """Group 0, after every feature: texts no step took. Loads and checks the vocabulary now,
    so a bad bot/data/vocabulary.yaml stops the start with its error, not a first message."""
    lexicon()
    return [MessageHandler(filters.TEXT & ~filters.COMMAND, on_text)]
