"""Information topics (bot/data/info.yaml): texts, lists paged or picked by number, and the
consumption pattern of a county or city. The draft lives in `user_data["info"]`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.info_topics import LIST_PAGE, Topic, topic, topics
from bot.domain.places import Place, find_places, page, places
from bot.runtime.app import Ctx
from bot.text import fmt
from bot.text.i18n import items, t
from bot.text.keyboards import inline
from bot.text.normalise import parse_int
from handlers.common import ID, message_text, reply, show
from handlers.tariff_menu import back_row, begin
from tariffs import TariffError, get_schedule, list_schedules, pattern_for

NAME = "info"
LIST, PLACE = range(2)
DRAFT_STATES = (LIST,)  # handlers/recovery.py
END = ConversationHandler.END
PERIOD_DAYS = 60


def _args(update: Update) -> list[str]:
    """The parts of the pressed button's data after `info:<kind>:`."""
    query = update.callback_query
    return (query.data or "").split(":")[2:] if query else []


def _footer() -> list[list[tuple[str, str]]]:
    return [[(t("info.button_topics"), "info:list")], back_row()]


async def list_topics(update: Update, ctx: Ctx) -> int:
    """Show every topic as a button."""
    await begin(update, ctx)
    rows = [[(t(item.title), f"info:t:{item.id}")] for item in topics()]
    await show(update, ctx, t("info.prompt"), inline([*rows, back_row()]))
    return END


restart = list_topics  # a list whose draft was lost: show the topics again


async def open_topic(update: Update, ctx: Ctx) -> int:
    """Show a topic as its kind says: a text, the first page of a list, or the pattern question."""
    await begin(update, ctx)
    return await show_topic(update, ctx, _args(update)[0])


async def show_topic(update: Update, ctx: Ctx, topic_id: str, city: str | None = None) -> int:
    """A topic by id (a button, or a typed question: handlers/understanding.py); the pattern
    of a named city or county is answered at once."""
    found = topic(topic_id)
    if found is None:
        return await list_topics(update, ctx)
    schedule = next((s.id for s in list_schedules() if city in get_schedule(s.id).cities), None)
    if found.kind == "pattern" and city and schedule:
        return await _answer(update, ctx, schedule, city)
    if found.kind == "list":
        return await _list_page(update, ctx, found, 0)
    if found.kind == "pattern":
        return await _ask_region(update, ctx, t(found.body))
    values = {"emergency": ctx.settings.emergency_phone}
    await show(update, ctx, t(found.body, **{name: values[name] for name in found.params}),
               inline(_footer()))
    return END


async def list_page(update: Update, ctx: Ctx) -> int:
    """Another page of a list topic."""
    await begin(update, ctx)
    args = _args(update)
    found = topic(args[0])
    if found is None or found.kind != "list":
        return await list_topics(update, ctx)
    return await _list_page(update, ctx, found, parse_int(args[1]) or 0)


async def _list_page(update: Update, ctx: Ctx, item: Topic, number: int) -> int:
    """A page of a list topic; the user may then send an entry's number."""
    entries = items(item.body)
    pages = max(1, -(-len(entries) // LIST_PAGE))
    number = min(max(number, 0), pages - 1)
    first = number * LIST_PAGE
    lines = [t("info.list_page", title=t(item.title), page=number + 1, pages=pages)]
    lines += [t("info.list_item", number=first + i + 1, text=text)
              for i, text in enumerate(entries[first:first + LIST_PAGE])]
    lines.append(t("info.list_hint", count=len(entries)))
    turn = []
    if number + 1 < pages:
        turn.append((t("tariffs_menu.page_next"), f"info:pg:{item.id}:{number + 1}"))
    if number > 0:
        turn.append((t("tariffs_menu.page_prev"), f"info:pg:{item.id}:{number - 1}"))
    ctx.user_data[NAME] = {"list": item.id}
    await show(update, ctx, "\n\n".join(lines), inline([turn, *_footer()] if turn else _footer()))
    return LIST


async def pick_entry(update: Update, ctx: Ctx) -> int:
    """An entry of the list being browsed, by its number."""
    text = message_text(update)
    found = topic(ctx.user_data.get(NAME, {}).get("list", ""))
    if found is None:
        return END
    entries = items(found.body)
    number = parse_int(text)
    if number is None or not 1 <= number <= len(entries):
        await reply(update, t("info.bad_item_number", count=len(entries), text=fmt.echo(text)))
        return LIST
    await reply(update, t("info.list_item", number=number, text=entries[number - 1]),
                inline(_footer()))
    return LIST


async def _ask_region(update: Update, ctx: Ctx, text: str) -> int:
    """Ask for the region's schedule (or a typed place name)."""
    ctx.user_data[NAME] = {}
    rows = [[(s.title, f"info:ps:{s.id}:0")] for s in list_schedules()]
    await show(update, ctx, text, inline([*rows, back_row()]))
    return PLACE


async def place_page(update: Update, ctx: Ctx) -> int:
    """A page of one schedule's places."""
    await begin(update, ctx)
    args = _args(update)
    if args[0] not in {s.id for s in list_schedules()}:
        return await _ask_region(update, ctx, t("info.pattern.ask"))
    shown, number, pages = page(places(args[0]), parse_int(args[1]) or 0)
    turn = []
    if number + 1 < pages:
        turn.append((t("tariffs_menu.page_next"), f"info:ps:{args[0]}:{number + 1}"))
    if number > 0:
        turn.append((t("tariffs_menu.page_prev"), f"info:ps:{args[0]}:{number - 1}"))
    rows = [*_place_rows(shown), *([turn] if turn else []), back_row()]
    ctx.user_data[NAME] = {"schedule": args[0]}
    await show(update, ctx, t("info.pattern.pick_place", page=number + 1, pages=pages),
               inline(rows))
    return PLACE


def _place_rows(found: list[Place]) -> list[list[tuple[str, str]]]:
    return [[(p.name, f"info:pc:{p.schedule}:{p.city}") for p in found[i:i + 3]]
            for i in range(0, len(found), 3)]


async def type_place(update: Update, ctx: Ctx) -> int:
    """Find the typed county or city (in the chosen region, else in all of them)."""
    query = message_text(update).strip()
    found = find_places(query, ctx.user_data.get(NAME, {}).get("schedule"))
    if len(found) == 1:
        return await _answer(update, ctx, found[0].schedule, found[0].city)
    if found:
        await reply(update, t("info.pattern.many", query=query), inline(_place_rows(found)))
        return PLACE
    rows = [[(s.title, f"info:ps:{s.id}:0")] for s in list_schedules()]
    await reply(update, t("info.pattern.not_found", query=query), inline(rows))
    return PLACE


async def pick_place(update: Update, ctx: Ctx) -> int:
    """A place pressed: answer with its pattern."""
    await begin(update, ctx)
    args = _args(update)
    return await _answer(update, ctx, args[0], args[1])


async def _answer(update: Update, ctx: Ctx, schedule_id: str, city: str) -> int:
    """The household pattern of a place, where it comes from, and what it means per period."""
    ctx.user_data.pop(NAME, None)
    try:
        result = pattern_for(schedule_id, city)
        schedule = get_schedule(schedule_id)
    except TariffError:
        return await _ask_region(update, ctx, t("info.pattern.ask"))
    per_month = result.per_unit_month
    lines = [t("info.pattern.answer", place=schedule.cities[city].name, schedule=schedule.title,
               pattern=fmt.number(per_month), period=fmt.number(per_month * PERIOD_DAYS / 30))]
    if result.basis == "rural_map":
        lines.append(t("info.pattern.basis_rural_map", urban=result.urban_pattern or 0,
                       rural=fmt.number(per_month)))
    elif result.basis == "city":
        lines.append(t("info.pattern.basis_city"))
    else:
        lines.append(t("info.pattern.basis_schedule"))
    lines.append(t("info.pattern.advice"))
    await show(update, ctx, "\n".join(lines), inline(_footer()))
    return END


TEXT = filters.TEXT & ~filters.COMMAND


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME,
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(list_topics, pattern="^info:list$"),
                CallbackQueryHandler(open_topic, pattern=r"^info:t:\w+$"),
                CallbackQueryHandler(list_page, pattern=rf"^info:pg:\w+:{ID}$"),
                CallbackQueryHandler(place_page, pattern=rf"^info:ps:[\w-]+:{ID}$"),
                CallbackQueryHandler(pick_place, pattern=r"^info:pc:[\w-]+:\w+$"),
                CommandHandler("info", list_topics),
            ],
            states={
                LIST: [MessageHandler(TEXT, pick_entry)],
                PLACE: [MessageHandler(TEXT, type_place)],
            },
            fallbacks=[],
        ),
    ]
