"""/outage: an operator announces a planned water cut to every verified chat of a city or
zone, in Persian: the place by its name (with suggestions for a misspelt one, and its
zone when it has zones), the day (today, tomorrow, the day after, or a typed date; never
one in the past), the hours and the reason; then a preview that says how many chats it
goes to, and only on confirmation the notices are queued.

The whole announcement may also be typed on one line, `/outage تبریز ۲ ۱۴۰۵/۰۹/۲۰
۱۰:۰۰-۱۴:۰۰ تعمیر خط انتقال`: what it gives is taken, and the first missing or wrong
part is asked. Operators only (`operator_only`). The draft lives in user_data["ops_outage"].
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.places import AreaError, find_area, place, zones_of
from bot.notify import notices
from bot.runtime.app import Ctx
from bot.services.catalog import home_schedule
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import inline
from bot.text.normalise import parse_int, to_ascii_digits
from handlers.common import ID, answer_query, message_text, reply
from handlers.operators import _actor, _parts, operator_only

NAME = "ops_outage"
PLACE, ZONE, DAY, HOURS, REASON, PREVIEW = range(6)
DRAFT_STATES = (ZONE, DAY, HOURS, REASON, PREVIEW)  # handlers/recovery.py
ALL = "all"
END = ConversationHandler.END
_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:-|–|تا)\s*(\d{1,2})(?::(\d{2}))?\s*$")
_DATE = re.compile(r"^\d{2,4}[/.\-]\d{1,2}[/.\-]\d{1,2}$")
MIN_REASON, MAX_REASON = notices.MIN_OUTAGE_REASON, notices.MAX_OUTAGE_REASON


def _draft(ctx: Ctx) -> dict[str, Any]:
    return ctx.user_data.setdefault(NAME, {})


@operator_only
async def start(update: Update, ctx: Ctx) -> int:
    """/outage, with nothing or with the whole announcement on one line."""
    await answer_query(update)  # (also the restart of a step whose draft was lost)
    ctx.user_data[NAME] = {}
    words = list(ctx.args or [])
    if not words:
        await reply(update, t("ops.outage_intro"))
        return await _next(update, ctx)
    return await _one_line(update, ctx, words)


restart = start  # a step whose draft was lost asks for the place again


async def _one_line(update: Update, ctx: Ctx, words: list[str]) -> int:
    """Take what a one-line announcement gives; ask the first missing or wrong part."""
    draft = _draft(ctx)
    day_at = next((i for i, w in enumerate(words) if _DATE.match(to_ascii_digits(w))), None)
    place_words = words if day_at is None else words[:day_at]
    if place_words and not await _set_area(update, ctx, " ".join(place_words)):
        return PLACE
    if day_at is not None and not await _set_day(update, ctx, fmt.parse_jalali(words[day_at])):
        return await _next(update, ctx)
    if day_at is not None and len(words) > day_at + 1:
        if not await _set_hours(update, ctx, words[day_at + 1]):
            return HOURS
        reason = " ".join(words[day_at + 2:]).strip()
        if reason and not MIN_REASON <= len(reason) <= MAX_REASON:  # said, then asked again
            await reply(update, t("ops.outage_error_reason", max=MAX_REASON))
        elif reason:
            draft["reason"] = reason
    return await _next(update, ctx)


async def _next(update: Update, ctx: Ctx) -> int:
    """Ask the first part of the announcement still missing, or show the preview."""
    draft = _draft(ctx)
    if "city" not in draft:
        await reply(update, t("ops.outage_ask_place"))
        return PLACE
    found = place(home_schedule(), draft["city"])
    if found and zones_of(found) and "zone" not in draft:
        rows = [[(t("ops.outage_all_zones"), f"op:outage:zone:{ALL}")]]
        numbers = [(t("ops.outage_zone_button", zone=z), f"op:outage:zone:{z}")
                   for z in zones_of(found)]
        rows += [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
        await reply(update, t("ops.outage_ask_zone", city=found.name), inline(rows))
        return ZONE
    if "day" not in draft:
        days = [fmt.tehran_today() + dt.timedelta(days=n) for n in range(3)]
        labels = ("ops.outage_today", "ops.outage_tomorrow", "ops.outage_day_after")
        await reply(update, t("ops.outage_ask_day"), inline([[
            (t(key, date=fmt.jalali_date(day)), f"op:outage:day:{day.isoformat()}")
            for key, day in zip(labels, days, strict=True)]]))
        return DAY
    if "start" not in draft:
        await reply(update, t("ops.outage_ask_hours", date=fmt.jalali_date(
            dt.date.fromisoformat(draft["day"]))))
        return HOURS
    if "reason" not in draft:
        await reply(update, t("ops.outage_ask_reason"))
        return REASON
    return await _preview(update, ctx)


async def _set_area(update: Update, ctx: Ctx, text: str) -> bool:
    draft = _draft(ctx)
    try:
        area = find_area(text, home_schedule())
    except AreaError as err:
        if err.code == "zone":
            zones = "، ".join(fmt.digits(z) for z in err.zones)
            await reply(update, t("ops.outage_error_zone", city=err.suggestions[0].name,
                                  zones=zones) if zones else t(
                "ops.outage_error_no_zones", city=err.suggestions[0].name))
        elif err.suggestions:
            await reply(update, t("ops.outage_error_place_suggest", text=text), inline(
                [[(p.name, f"op:outage:city:{p.city}")] for p in err.suggestions]))
        else:
            await reply(update, t("ops.outage_error_place", text=text))
        return False
    draft.pop("zone", None)
    draft["city"] = area.place.city
    if area.zone is not None:
        draft["zone"] = area.zone
    elif not zones_of(area.place):
        draft["zone"] = ALL
    return True


async def _set_day(update: Update, ctx: Ctx, day: Any) -> bool:
    if day is None:
        await reply(update, t("ops.outage_error_day"))
        return False
    gregorian = day.togregorian() if hasattr(day, "togregorian") else day
    if gregorian < fmt.tehran_today():
        await reply(update, t("ops.outage_error_past_day", date=fmt.jalali_date(gregorian)))
        return False
    _draft(ctx)["day"] = gregorian.isoformat()
    return True


async def _set_hours(update: Update, ctx: Ctx, text: str) -> bool:
    draft = _draft(ctx)
    match = _HOURS.match(to_ascii_digits(text))
    day = draft.get("day")
    if match is None or day is None:
        await reply(update, t("ops.outage_error_time"))
        return False
    first, last = f"{match[1]}:{match[2] or '00'}", f"{match[3]}:{match[4] or '00'}"
    jday = fmt.jalali_date(dt.date.fromisoformat(day))
    start, end = notices.parse_moment(jday, first), notices.parse_moment(jday, last)
    if start is None or end is None:
        await reply(update, t("ops.outage_error_time"))
        return False
    if end <= start:
        await reply(update, t("ops.outage_error_order"))
        return False
    if end <= fmt.now_utc():
        await reply(update, t("ops.outage_error_past"))
        return False
    draft.update(start=start.isoformat(), end=end.isoformat())
    return True


@operator_only
async def got_place(update: Update, ctx: Ctx) -> int:
    """A typed place (and zone)."""
    if not await _set_area(update, ctx, message_text(update)):
        return PLACE
    return await _next(update, ctx)


@operator_only
async def chose_place(update: Update, ctx: Ctx) -> int:
    """A suggested place's button."""
    await answer_query(update)
    city = _parts(update)[3]
    found = place(home_schedule(), city)
    if found is None:
        return await _next(update, ctx)
    draft = _draft(ctx)
    draft.pop("zone", None)
    draft["city"] = city
    if not zones_of(found):
        draft["zone"] = ALL
    return await _next(update, ctx)


@operator_only
async def chose_zone(update: Update, ctx: Ctx) -> int:
    """A zone's button, or «all zones»; a typed zone number works too."""
    text = _parts(update)[3] if update.callback_query else to_ascii_digits(message_text(update))
    await answer_query(update)
    draft = _draft(ctx)
    found = place(home_schedule(), draft.get("city", ""))
    zone = parse_int(text) if text != ALL else None
    if found is None or (text != ALL and zone not in zones_of(found)):
        await reply(update, t("ops.outage_error_zone", city=found.name if found else "",
                              zones="، ".join(fmt.digits(z) for z in zones_of(found)))
                    if found else t("ops.outage_ask_place"))
        return await _next(update, ctx)
    draft["zone"] = ALL if text == ALL else zone
    return await _next(update, ctx)


@operator_only
async def chose_day(update: Update, ctx: Ctx) -> int:
    """A day's button, or a typed Jalali date."""
    if update.callback_query:
        await answer_query(update)
        day: Any = dt.date.fromisoformat(_parts(update)[3])
    else:
        day = fmt.parse_jalali(message_text(update))
    await _set_day(update, ctx, day)
    return await _next(update, ctx)


@operator_only
async def got_hours(update: Update, ctx: Ctx) -> int:
    """«۱۰:۰۰-۱۴:۰۰» (or «۱۰-۱۴»)."""
    if not await _set_hours(update, ctx, message_text(update)):
        return HOURS
    return await _next(update, ctx)


@operator_only
async def got_reason(update: Update, ctx: Ctx) -> int:
    """The reason the subscribers are told."""
    text = " ".join(message_text(update).split())
    if not MIN_REASON <= len(text) <= MAX_REASON:
        await reply(update, t("ops.outage_error_reason", max=MAX_REASON))
        return REASON
    _draft(ctx)["reason"] = text
    return await _next(update, ctx)


def _outage(draft: dict[str, Any]) -> notices.Outage:
    zone = draft.get("zone")
    return notices.build_outage(draft["city"], None if zone in (None, ALL) else int(zone),
                                dt.datetime.fromisoformat(draft["start"]),
                                dt.datetime.fromisoformat(draft["end"]), draft["reason"])


async def _preview(update: Update, ctx: Ctx) -> int:
    draft = _draft(ctx)
    try:
        outage = _outage(draft)
    except notices.OutageError as exc:
        for key in ("start", "end") if exc.code in {"past", "order", "time"} else ("reason",):
            draft.pop(key, None)
        await reply(update, t(f"ops.outage_error_{exc.code}") if exc.code != "reason"
                    else t("ops.outage_error_reason", max=MAX_REASON))
        return await _next(update, ctx)
    count = len(await ctx.store.outage_chats(outage.city, outage.zone))
    if not count:
        ctx.user_data.pop(NAME, None)
        await reply(update, t("ops.outage_none"))
        return END
    await reply(update, t("ops.outage_preview", count=count, text=notices.outage_text(outage)),
                inline([[(t("ops.outage_confirm", count=count), "op:outage:yes"),
                         (t("ops.outage_cancel"), "op:outage:no")]]))
    return PREVIEW


@operator_only
async def confirm(update: Update, ctx: Ctx) -> int:
    """Queue the previewed notice (or drop it); say how many chats it goes to."""
    await answer_query(update)
    draft = ctx.user_data.pop(NAME, None) or {}
    if _parts(update)[2] != "yes":
        await reply(update, t("ops.outage_cancelled"))
        return END
    try:
        outage = _outage(draft)
    except (notices.OutageError, KeyError):
        await reply(update, t("ops.outage_error_past"))
        return END
    _, count = await notices.enqueue_outage(ctx.store, outage, _actor(update))
    await reply(update, t("ops.outage_sent", count=count))
    return END


@operator_only
async def buttons_expected(update: Update, ctx: Ctx) -> int:
    """Text where the preview's buttons are expected."""
    await reply(update, t("ops.outage_use_buttons"))
    return PREVIEW


TEXT = filters.TEXT & ~filters.COMMAND


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME, persistent=True, allow_reentry=True,
            entry_points=[CommandHandler("outage", start)],
            states={
                PLACE: [MessageHandler(TEXT, got_place),
                        CallbackQueryHandler(chose_place, pattern=r"^op:outage:city:[a-z_]+$")],
                ZONE: [CallbackQueryHandler(chose_zone, pattern=rf"^op:outage:zone:({ID}|all)$"),
                       MessageHandler(TEXT, chose_zone)],
                DAY: [CallbackQueryHandler(chose_day, pattern=r"^op:outage:day:\d{4}-\d\d-\d\d$"),
                      MessageHandler(TEXT, chose_day)],
                HOURS: [MessageHandler(TEXT, got_hours)],
                REASON: [MessageHandler(TEXT, got_reason)],
                PREVIEW: [CallbackQueryHandler(confirm, pattern=r"^op:outage:(yes|no)$"),
                          MessageHandler(TEXT, buttons_expected)],
            },
            fallbacks=[],
        ),
    ]
