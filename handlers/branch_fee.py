"""The branch-fee calculator (🏗 هزینه خرید انشعاب): what `python -m tariffs branch-fee`
computes, asked step by step in the chat and answered with the same itemised result and
explanation, in Persian.

Region (schedules that have branch fees, the utility's own first), usage, city (buttons or
a typed name), the zone only where the fee depends on it (Tabriz's household fee), what is
bought (water, sewage or both), units, the contract capacity for non-household use (the
fee is computed from it), and the diameters where the schedule prices an installation.
The draft lives in `user_data["branch_fee"]`; a bad answer re-asks the same step.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.places import find_places, page, places
from bot.runtime.app import Ctx
from bot.services.fees import branch_schedules, installation_diameters, zone_matters
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import inline
from bot.text.normalise import parse_int
from handlers.calculator import explanation
from handlers.common import answer_query, message_text, reply, show
from handlers.tariff_menu import back_row, begin, stale_step
from tariffs import BranchFeeInput, TariffError, branch_fee, get_schedule
from tariffs.render import branch_report

NAME = "branch_fee"
SCHEDULE, USAGE, CITY, ZONE, WHAT, UNITS, CAPACITY, WATER_D, SEWAGE_D = range(9)
WHAT_CHOICES = {"water": (True, False), "sewage": (False, True), "both": (True, True)}
UNIT_BUTTONS = (1, 2, 3, 4)
MAX_UNITS = 500
MAX_CAPACITY = 100_000
END = ConversationHandler.END
Prompt = tuple[str, InlineKeyboardMarkup | None]


def _draft(ctx: Ctx) -> dict[str, Any]:
    return ctx.user_data.setdefault(NAME, {})


def _arg(update: Update) -> str:
    query = update.callback_query
    return (query.data or "").rsplit(":", 1)[-1] if query else ""


def _household(draft: dict[str, Any]) -> bool:
    return get_schedule(draft["schedule"]).usage_classes[draft["usage"]].household


def _diameters(draft: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    water, sewage = installation_diameters(draft["schedule"])
    wants_water, wants_sewage = WHAT_CHOICES[draft["what"]]
    return (water if wants_water else ()), (sewage if wants_sewage else ())


def _state(draft: dict[str, Any]) -> int | None:
    """The first step the draft still lacks (None: everything is known)."""
    for key, state in (("schedule", SCHEDULE), ("usage", USAGE), ("city", CITY)):
        if key not in draft:
            return state
    if "zone" not in draft and zone_matters(draft["schedule"], draft["city"], draft["usage"]):
        return ZONE
    for key, state in (("what", WHAT), ("units", UNITS)):
        if key not in draft:
            return state
    if "capacity" not in draft and not _household(draft):
        return CAPACITY
    water, sewage = _diameters(draft)
    if water and "water_diameter" not in draft:
        return WATER_D
    if sewage and "sewage_diameter" not in draft:
        return SEWAGE_D
    return None


def _prompt(state: int, draft: dict[str, Any]) -> Prompt:
    if state == SCHEDULE:
        return t("branch_calc.ask_schedule"), inline(
            [[(s.title, f"bf:s:{s.id}")] for s in branch_schedules()])
    if state == USAGE:
        classes = list(get_schedule(draft["schedule"]).usage_classes.items())
        return t("branch_calc.ask_usage"), inline(
            [[(u.name, f"bf:u:{key}") for key, u in classes[i:i + 2]]
             for i in range(0, len(classes), 2)])
    if state == CITY:
        shown, number, pages = page(places(draft["schedule"]), draft.get("page", 0))
        rows = [[(p.name, f"bf:c:{p.city}") for p in shown[i:i + 3]] for i in range(0, len(shown), 3)]
        turn = []
        if number + 1 < pages:
            turn.append((t("tariffs_menu.page_next"), f"bf:p:{number + 1}"))
        if number > 0:
            turn.append((t("tariffs_menu.page_prev"), f"bf:p:{number - 1}"))
        return t("calc.ask_city", page=number + 1, pages=pages), inline(
            [*rows, turn] if turn else rows)
    if state == ZONE:
        city = get_schedule(draft["schedule"]).cities[draft["city"]]
        buttons = [(t("branch_calc.zone_button", zone=z), f"bf:z:{z}") for z in city.zones]
        return t("branch_calc.ask_zone", city=city.name), inline(
            [buttons[i:i + 5] for i in range(0, len(buttons), 5)])
    if state == WHAT:
        return t("branch_calc.ask_what"), inline([[(t(f"branch_calc.what_{key}"), f"bf:w:{key}")]
                                                  for key in WHAT_CHOICES])
    if state == UNITS:
        return t("calc.ask_units"), inline([[(fmt.digits(n), f"bf:n:{n}") for n in UNIT_BUTTONS]])
    if state == CAPACITY:
        return t("branch_calc.ask_capacity"), None
    water, sewage = _diameters(draft)
    if state == WATER_D:
        return t("branch_calc.ask_water_diameter"), inline(
            [[(t("branch_calc.inch", size=d), f"bf:dw:{i}") for i, d in enumerate(water)]])
    return t("branch_calc.ask_sewage_diameter"), inline(
        [[(t("branch_calc.mm", size=d), f"bf:ds:{i}") for i, d in enumerate(sewage)]])


async def _next(update: Update, ctx: Ctx, error: str | None = None) -> int:
    """Ask the next missing step (after an error message, if any), or answer."""
    draft = _draft(ctx)
    state = _state(draft)
    if state is None:
        return await _answer(update, ctx)
    if error:
        await reply(update, error)
    text, markup = _prompt(state, draft)
    if error or update.callback_query is None:
        await reply(update, text, markup)
    else:
        await show(update, ctx, text, markup)
    return state


async def start(update: Update, ctx: Ctx) -> int:
    """Start: ask for the region (or skip it when only one schedule has branch fees)."""
    await begin(update, ctx)
    ctx.user_data[NAME] = {}
    schedules = branch_schedules()
    if len(schedules) == 1:
        ctx.user_data[NAME]["schedule"] = schedules[0].id
    return await _next(update, ctx)


async def picked(update: Update, ctx: Ctx) -> int:
    """Any button of a step: keep its value (a button of another step is refused)."""
    await answer_query(update)
    query = update.callback_query
    kind = (query.data or "").split(":")[1] if query else ""
    draft, value = _draft(ctx), _arg(update)
    expected = {"s": SCHEDULE, "u": USAGE, "c": CITY, "p": CITY, "z": ZONE, "w": WHAT,
                "n": UNITS, "dw": WATER_D, "ds": SEWAGE_D}
    if expected.get(kind) != _state(draft):
        await stale_step(update, ctx)
        return _state(draft) or END
    try:
        _keep(draft, kind, value)
    except (KeyError, ValueError, IndexError):
        return await _next(update, ctx, t("tariffs_menu.stale_step"))
    return await _next(update, ctx)


def _keep(draft: dict[str, Any], kind: str, value: str) -> None:
    """Check a button's value against the schedule and keep it (KeyError/ValueError else)."""
    if kind == "s":
        if value not in {s.id for s in branch_schedules()}:
            raise KeyError(value)
        draft.clear()
        draft.update(schedule=value, page=0)
    elif kind == "u":
        get_schedule(draft["schedule"]).usage_classes[value]
        draft["usage"] = value
    elif kind == "c":
        get_schedule(draft["schedule"]).cities[value]
        draft["city"] = value
    elif kind == "p":
        draft["page"] = int(value)
    elif kind == "z":
        if int(value) not in get_schedule(draft["schedule"]).cities[draft["city"]].zones:
            raise ValueError(value)
        draft["zone"] = int(value)
    elif kind == "w":
        WHAT_CHOICES[value]
        draft["what"] = value
    elif kind == "n":
        draft["units"] = int(value)
    elif kind == "dw":
        draft["water_diameter"] = _diameters(draft)[0][int(value)]
    else:
        draft["sewage_diameter"] = _diameters(draft)[1][int(value)]


async def typed(update: Update, ctx: Ctx) -> int:
    """Typed text: a city name, a zone, the units or the capacity; else the buttons."""
    draft, text = _draft(ctx), message_text(update).strip()
    state = _state(draft)
    number = parse_int(text)
    if state == CITY:
        found = find_places(text, draft["schedule"])
        if len(found) == 1:
            draft["city"] = found[0].city
            return await _next(update, ctx)
        if found:
            await reply(update, t("calc.city_many", query=text), inline(
                [[(p.name, f"bf:c:{p.city}")] for p in found]))
            return CITY
        return await _next(update, ctx, t("calc.city_not_found", query=text))
    if state == ZONE:
        if number in get_schedule(draft["schedule"]).cities[draft["city"]].zones:
            draft["zone"] = number
            return await _next(update, ctx)
        return await _next(update, ctx, t("branch_calc.bad_zone", text=text))
    if state == UNITS:
        if number is None or not 1 <= number <= MAX_UNITS:
            return await _next(update, ctx, t("calc.bad_units", max=MAX_UNITS, text=text))
        draft["units"] = number
        return await _next(update, ctx)
    if state == CAPACITY:
        if number is None or not 1 <= number <= MAX_CAPACITY:
            return await _next(update, ctx, t("branch_calc.bad_capacity", max=MAX_CAPACITY,
                                              text=text))
        draft["capacity"] = number
        return await _next(update, ctx)
    return await _next(update, ctx, t("tariffs_menu.use_buttons"))


async def _answer(update: Update, ctx: Ctx) -> int:
    """The itemised fee and its explanation, as the command line prints them."""
    draft = ctx.user_data.pop(NAME, {})
    water, sewage = WHAT_CHOICES[draft["what"]]
    again = inline([[(t("branch_calc.button_again"), "bf:start")], back_row()])
    try:
        inp = BranchFeeInput(
            schedule=draft["schedule"], city=draft["city"], zone=draft.get("zone"),
            usage=draft["usage"], units=draft["units"], contract_capacity=draft.get("capacity"),
            water=water, sewage=sewage, water_diameter=draft.get("water_diameter"),
            sewage_diameter=draft.get("sewage_diameter"))
        result = branch_fee(inp)
    except TariffError:
        await reply(update, t("branch_calc.failed"), again)
        return END
    lines = branch_report(inp, result, t, fmt)
    cut = lines.index(t("tariff.cli.how"))
    await reply(update, "\n".join(["🏗 " + lines[0], *lines[1:cut]]))
    for text in explanation(result):
        await reply(update, text)
    notes = [t("branch_calc.note")]
    fees = get_schedule(inp.schedule).branch
    if fees is not None and fees.note2 is not None and water and not sewage:
        notes.append(t("branch_calc.note2", share=fmt.number(fees.note2.share * 100)))
    await reply(update, "\n".join(notes), again)
    return END


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=[CallbackQueryHandler(start, pattern="^bf:start$"),
                          CommandHandler("branchfee", start)],
            states={state: [CallbackQueryHandler(picked, pattern=r"^bf:(s|u|c|p|z|w|n|dw|ds):"),
                            MessageHandler(filters.TEXT & ~filters.COMMAND, typed)]
                    for state in (SCHEDULE, USAGE, CITY, ZONE, WHAT, UNITS, CAPACITY, WATER_D,
                                  SEWAGE_D)},
            fallbacks=[CallbackQueryHandler(stale_step, pattern="^bf:")],
        ),
    ]
