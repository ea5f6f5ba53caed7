"""The tariff calculator: region, usage class, city, units, (capacity), days, use, sewage.

Answers with the engine's total, its line items and explanation, and "what if" totals for
less use; then any use the user types is priced the same way ("what if I used 25 m³?")
until they leave. The draft lives in `user_data["calculator"]`; every step re-asks on bad
input.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.billing.tariff_estimate import (
    DEFAULT_DAYS,
    MAX_CAPACITY,
    MAX_CONSUMPTION,
    MAX_DAYS,
    MAX_UNITS,
    WhatIf,
    calculator_input,
    what_if_answers,
)
from bot.domain.places import Place, find_places, page, places
from bot.runtime.app import Ctx
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import inline
from bot.text.normalise import parse_int
from handlers.common import answer_query, message_text, reply, show
from handlers.tariff_menu import back_row, begin, stale_step
from tariffs import (
    BillInput,
    BillResult,
    TariffError,
    compute_bill,
    get_schedule,
    list_schedules,
    what_if,
)
from tariffs.render import render_lines, render_steps

NAME = "calculator"
SCHEDULE, USAGE, CITY, UNITS, CAPACITY, DAYS, CONSUMPTION, SEWAGE, WHAT_IF = range(9)
DRAFT_STATES = (USAGE, CITY, UNITS, CAPACITY, DAYS, CONSUMPTION, SEWAGE, WHAT_IF)  # recovery
UNIT_BUTTONS = (1, 2, 3, 4)
DAY_BUTTONS = (30, DEFAULT_DAYS, 90)
MAX_MESSAGE = 3800
Prompt = tuple[str, InlineKeyboardMarkup | None]


def _draft(ctx: Ctx) -> dict:
    return ctx.user_data.setdefault(NAME, {})


def _arg(update: Update) -> str:
    """The last part of the pressed button's data."""
    query = update.callback_query
    return (query.data or "").rsplit(":", 1)[-1] if query else ""


def _place_rows(found: list[Place]) -> list[list[tuple[str, str]]]:
    return [[(p.name, f"calc:c:{p.city}") for p in found[i:i + 3]] for i in range(0, len(found), 3)]


def ask_schedule(draft: dict) -> Prompt:
    """Which tariff schedule (region)."""
    rows = [[(s.title, f"calc:s:{s.id}")] for s in list_schedules()]
    return t("calc.ask_schedule"), inline(rows)


def ask_usage(draft: dict) -> Prompt:
    """Which usage class of the schedule."""
    classes = list(get_schedule(draft["schedule"]).usage_classes.items())
    rows = [[(u.name, f"calc:u:{key}") for key, u in classes[i:i + 2]]
            for i in range(0, len(classes), 2)]
    return t("calc.ask_usage"), inline(rows)


def ask_city(draft: dict) -> Prompt:
    """A page of the schedule's places, with page buttons."""
    shown, number, pages = page(places(draft["schedule"]), draft.get("page", 0))
    rows = _place_rows(shown)
    turn = []
    if number + 1 < pages:
        turn.append((t("tariffs_menu.page_next"), f"calc:p:{number + 1}"))
    if number > 0:
        turn.append((t("tariffs_menu.page_prev"), f"calc:p:{number - 1}"))
    return t("calc.ask_city", page=number + 1, pages=pages), inline([*rows, turn] if turn else rows)


def ask_units(draft: dict) -> Prompt:
    """How many units."""
    rows = [[(fmt.digits(n), f"calc:n:{n}") for n in UNIT_BUTTONS]]
    return t("calc.ask_units"), inline(rows)


def ask_capacity(draft: dict) -> Prompt:
    """The contract capacity of a non-household subscriber, or skip."""
    return t("calc.ask_capacity"), inline([[(t("common.button_skip"), "calc:skip")]])


def ask_days(draft: dict) -> Prompt:
    """How many days the period has."""
    rows = [[(t("calc.days_label", days=d), f"calc:d:{d}") for d in DAY_BUTTONS]]
    return t("calc.ask_days"), inline(rows)


def ask_consumption(draft: dict) -> Prompt:
    """The use of the period in m³."""
    return t("calc.ask_consumption", days=draft["days"]), None


def ask_sewage(draft: dict) -> Prompt:
    """Whether the property has a sewage branch."""
    rows = [[(t("common.button_yes"), "calc:w:y"), (t("common.button_no"), "calc:w:n")]]
    return t("calc.ask_sewage"), inline(rows)


ASK: dict[int, Callable[[dict], Prompt]] = {
    SCHEDULE: ask_schedule, USAGE: ask_usage, CITY: ask_city, UNITS: ask_units,
    CAPACITY: ask_capacity, DAYS: ask_days, CONSUMPTION: ask_consumption, SEWAGE: ask_sewage,
}


FILLED = {SCHEDULE: "schedule", USAGE: "usage", CITY: "city", UNITS: "units", DAYS: "days",
          CONSUMPTION: "consumption"}


def _next_open(draft: dict, state: int) -> int:
    """`state`, or the first later step whose answer the draft does not have yet (a typed
    question may fill some: «۳۰ متر مکعب در تبریز چقدر میشه»)."""
    while FILLED.get(state) in draft:
        state = CAPACITY if state == UNITS and not _household(draft) else (
            DAYS if state in (UNITS, CAPACITY) else state + 1)
    return state


def _household(draft: dict) -> bool:
    return get_schedule(draft["schedule"]).usage_classes[draft["usage"]].household


async def start_with(update: Update, ctx: Ctx, prefill: dict) -> int:
    """Start the calculator with answers already known (schedule, city, usage, units,
    consumption): it asks only the others."""
    ctx.user_data[NAME] = dict(prefill)
    return await _go(update, ctx, SCHEDULE)


async def _go(update: Update, ctx: Ctx, state: int, error: str | None = None) -> int:
    """Ask the question of `state` (after an error message, if any) and move there."""
    if not error:
        state = _next_open(_draft(ctx), state)
    if error:
        await reply(update, error)
    text, markup = ASK[state](_draft(ctx))
    if error:
        await reply(update, text, markup)
    else:
        await show(update, ctx, text, markup)
    return state


async def start(update: Update, ctx: Ctx) -> int:
    """Start the calculator: ask for the region's schedule."""
    await begin(update, ctx)
    ctx.user_data[NAME] = {}
    return await _go(update, ctx, SCHEDULE)


restart = start  # a step whose draft was lost starts the calculator again


async def pick_schedule(update: Update, ctx: Ctx) -> int:
    """Keep the schedule; ask for the usage class."""
    await answer_query(update)
    if _arg(update) not in {s.id for s in list_schedules()}:
        return await _go(update, ctx, SCHEDULE, t("tariffs_menu.stale_step"))
    _draft(ctx).update(schedule=_arg(update), page=0)
    return await _go(update, ctx, USAGE)


async def pick_usage(update: Update, ctx: Ctx) -> int:
    """Keep the usage class; ask for the city."""
    await answer_query(update)
    if _arg(update) not in get_schedule(_draft(ctx)["schedule"]).usage_classes:
        return await _go(update, ctx, USAGE, t("tariffs_menu.stale_step"))
    _draft(ctx)["usage"] = _arg(update)
    return await _go(update, ctx, CITY)


async def turn_page(update: Update, ctx: Ctx) -> int:
    """Show another page of places."""
    await answer_query(update)
    _draft(ctx)["page"] = parse_int(_arg(update)) or 0
    return await _go(update, ctx, CITY)


async def pick_city(update: Update, ctx: Ctx) -> int:
    """Keep the city pressed; ask for the units."""
    await answer_query(update)
    if _arg(update) not in get_schedule(_draft(ctx)["schedule"]).cities:
        return await _go(update, ctx, CITY, t("tariffs_menu.stale_step"))
    _draft(ctx)["city"] = _arg(update)
    return await _go(update, ctx, UNITS)


async def type_city(update: Update, ctx: Ctx) -> int:
    """Find the typed city name: one match is taken, several are offered, none re-asks."""
    query = message_text(update).strip()
    found = find_places(query, _draft(ctx)["schedule"])
    if len(found) == 1:
        _draft(ctx)["city"] = found[0].city
        return await _go(update, ctx, UNITS)
    if found:
        await reply(update, t("calc.city_many", query=query), inline(_place_rows(found)))
        return CITY
    return await _go(update, ctx, CITY, t("calc.city_not_found", query=query))


async def _units(update: Update, ctx: Ctx, units: int | None, text: str) -> int:
    if units is None or not 1 <= units <= MAX_UNITS:
        return await _go(update, ctx, UNITS, t("calc.bad_units", max=MAX_UNITS, text=fmt.echo(text)))
    draft = _draft(ctx)
    draft["units"] = units
    return await _go(update, ctx, DAYS if _household(draft) else CAPACITY)


async def pick_units(update: Update, ctx: Ctx) -> int:
    """Units from a button."""
    await answer_query(update)
    return await _units(update, ctx, parse_int(_arg(update)), _arg(update))


async def type_units(update: Update, ctx: Ctx) -> int:
    """Units typed in any digits."""
    text = message_text(update)
    return await _units(update, ctx, parse_int(text), text)


async def type_capacity(update: Update, ctx: Ctx) -> int:
    """Contract capacity in m³ a month; ask for the days."""
    text = message_text(update)
    capacity = parse_int(text)
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        return await _go(update, ctx, CAPACITY, t("calc.bad_capacity", max=MAX_CAPACITY, text=fmt.echo(text)))
    _draft(ctx)["capacity"] = capacity
    return await _go(update, ctx, DAYS)


async def skip_capacity(update: Update, ctx: Ctx) -> int:
    """No contract capacity; ask for the days."""
    await answer_query(update)
    _draft(ctx)["capacity"] = None
    return await _go(update, ctx, DAYS)


async def _days(update: Update, ctx: Ctx, days: int | None, text: str) -> int:
    if days is None or not 1 <= days <= MAX_DAYS:
        return await _go(update, ctx, DAYS, t("calc.bad_days", max=MAX_DAYS, text=fmt.echo(text)))
    _draft(ctx)["days"] = days
    return await _go(update, ctx, CONSUMPTION)


async def pick_days(update: Update, ctx: Ctx) -> int:
    """Days from a button."""
    await answer_query(update)
    return await _days(update, ctx, parse_int(_arg(update)), _arg(update))


async def type_days(update: Update, ctx: Ctx) -> int:
    """Days typed in any digits."""
    text = message_text(update)
    return await _days(update, ctx, parse_int(text), text)


async def type_consumption(update: Update, ctx: Ctx) -> int:
    """The period's use in whole m³; ask about sewage."""
    text = message_text(update)
    used = parse_int(text)
    if used is None or used > MAX_CONSUMPTION:
        error = t("calc.bad_consumption", max=MAX_CONSUMPTION, text=fmt.echo(text))
        return await _go(update, ctx, CONSUMPTION, error)
    _draft(ctx)["consumption"] = used
    return await _go(update, ctx, SEWAGE)


def _input(draft: dict) -> BillInput:
    return calculator_input(
        draft["schedule"], draft["usage"], draft["city"], draft["units"], draft["days"],
        draft["consumption"], draft["sewage"], draft.get("capacity"),
    )


async def pick_sewage(update: Update, ctx: Ctx) -> int:
    """Compute the bill and answer with its items, the what-ifs and the explanation; then
    wait for any other use to price."""
    await answer_query(update)
    draft = _draft(ctx)
    draft["sewage"] = _arg(update) == "y"
    again = inline([[(t("calc.button_again"), "calc:start")], back_row()])
    try:
        inp = _input(draft)
        result = compute_bill(inp)
        answers = what_if_answers(inp, result)
    except TariffError:
        ctx.user_data.pop(NAME, None)
        await show(update, ctx, t("calc.failed"), again)
        return ConversationHandler.END
    *first, last = pack([summary(inp, result, answers), *explanation(result),
                         "\n".join([t("calc.note"), t("calc.ask_what_if")])])
    if first:  # a long explanation: the result in place of the question, the rest after
        await show(update, ctx, first[0], None)
        for text in first[1:]:
            await reply(update, text)
        await reply(update, last, again)
    else:
        await show(update, ctx, last, again)
    return WHAT_IF


async def type_what_if(update: Update, ctx: Ctx) -> int:
    """Any use typed after a result: its total, and how far it is from the computed one."""
    text = message_text(update)
    used = parse_int(text)
    draft = _draft(ctx)
    if used is None or used > MAX_CONSUMPTION:
        await reply(update, t("calc.bad_what_if", max=MAX_CONSUMPTION, text=text))
        return WHAT_IF
    inp = _input(draft)
    result = compute_bill(inp)
    [(_, total)] = what_if(inp, [Decimal(used)])
    difference = total - result.total
    params = {"consumption": used, "days": result.days, "total": fmt.rials(total),
              "actual": fmt.number(result.consumption)}
    if difference:
        key = "calc.what_if_typed_more" if difference > 0 else "calc.what_if_typed_less"
        await reply(update, t(key, difference=fmt.rials(abs(difference)), **params))
    else:
        await reply(update, t("calc.what_if_typed_same", **params))
    return WHAT_IF


def summary(inp: BillInput, result: BillResult, answers: list[WhatIf]) -> str:
    """The heading, line items, total, payable amount and what-ifs of a calculation."""
    schedule = get_schedule(inp.schedule)
    lines = [
        t("calc.result", schedule=schedule.title, city=schedule.cities[inp.city].name,
          usage=schedule.usage_classes[inp.usage].name, units=inp.units,
          sewage=t("calc.with_sewage") if inp.has_sewage else t("calc.without_sewage"),
          days=result.days, start=fmt.jalali_date(inp.start), end=fmt.jalali_date(inp.end),
          consumption=fmt.number(result.consumption)),
        "",
        *render_lines(result, t, fmt),
        t("calc.total", total=fmt.rials(result.total)),
        t("calc.payable", payable=fmt.rials(result.payable)),
        t("calc.allowed", allowed=fmt.number(result.allowed, 1),
          excess=fmt.number(result.excess_use, 1)),
    ]
    if answers:
        lines += ["", t("calc.what_if_header"), *(what_if_line(a, result) for a in answers)]
    return "\n".join(lines)


def what_if_line(answer: WhatIf, result: BillResult) -> str:
    """One "what if" answer."""
    total, saving = fmt.rials(answer.total), fmt.rials(answer.saving)
    if answer.reason == "band":
        return t("calc.what_if_band", consumption=answer.consumption, band=answer.band or 0,
                 total=total, saving=saving)
    if answer.reason == "pattern":
        return t("calc.what_if_pattern", consumption=answer.consumption, total=total,
                 saving=saving)
    less = int(result.consumption) - answer.consumption
    return t("calc.what_if_less", consumption=answer.consumption, less=less, total=total,
             saving=saving)


def pack(parts: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """The parts in as few messages as fit, a blank line between parts in one message."""
    messages: list[str] = []
    for part in parts:
        if messages and len(messages[-1]) + 2 + len(part) <= limit:
            messages[-1] += "\n\n" + part
        else:
            messages.append(part)
    return messages


def explanation(result: BillResult) -> list[str]:
    """The step-by-step explanation, split into messages short enough to send."""
    messages, current = [], t("calc.how_header")
    for line in render_steps(result, t, fmt):
        if len(current) + len(line) + 1 > MAX_MESSAGE:
            messages.append(current)
            current = line
        else:
            current += "\n" + line
    return [*messages, current]


TEXT = filters.TEXT & ~filters.COMMAND


def _buttons_only(state: int) -> list:
    async def again(update: Update, ctx: Ctx) -> int:
        return await _go(update, ctx, state, t("tariffs_menu.use_buttons"))

    again.__doc__ = "Text where a button is expected: say so and ask again."
    return [MessageHandler(TEXT, again)]


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME,
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(start, pattern="^calc:start$"),
                CommandHandler("calc", start),
            ],
            states={
                SCHEDULE: [CallbackQueryHandler(pick_schedule, pattern="^calc:s:"),
                           *_buttons_only(SCHEDULE)],
                USAGE: [CallbackQueryHandler(pick_usage, pattern="^calc:u:"), *_buttons_only(USAGE)],
                CITY: [
                    CallbackQueryHandler(pick_city, pattern="^calc:c:"),
                    CallbackQueryHandler(turn_page, pattern="^calc:p:"),
                    MessageHandler(TEXT, type_city),
                ],
                UNITS: [CallbackQueryHandler(pick_units, pattern="^calc:n:"),
                        MessageHandler(TEXT, type_units)],
                CAPACITY: [CallbackQueryHandler(skip_capacity, pattern="^calc:skip$"),
                           MessageHandler(TEXT, type_capacity)],
                DAYS: [CallbackQueryHandler(pick_days, pattern="^calc:d:"),
                       MessageHandler(TEXT, type_days)],
                CONSUMPTION: [MessageHandler(TEXT, type_consumption)],
                SEWAGE: [CallbackQueryHandler(pick_sewage, pattern="^calc:w:[yn]$"),
                         *_buttons_only(SEWAGE)],
                WHAT_IF: [MessageHandler(TEXT, type_what_if)],
            },
            fallbacks=[CallbackQueryHandler(stale_step, pattern="^calc:")],
        ),
    ]
