"""Meter self-reading (خوداظهاری): the number (and a photo) for a verified subscription.

The reading is checked against the latest known one (bot/billing/meter_check.py), stored, and
answered with the use since the last bill and an estimated mid-period bill. The draft
lives in `user_data["self_reading"]`.
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

from bot.billing.meter_check import (
    MAX_READING,
    Verdict,
    average_daily,
    check_reading,
    estimate,
    latest_known,
    record,
)
from bot.runtime.app import Ctx
from bot.store.models import Link, Subscriber
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import inline
from bot.text.normalise import parse_int
from handlers.common import ID, answer_query, ensure_chat, message_text, reply, show
from handlers.tariff_menu import back_row, begin, stale_step

NAME = "self_reading"
PICK, NUMBER, CONFIRM, PHOTO = range(4)
DRAFT_STATES = (NUMBER, CONFIRM, PHOTO)  # handlers/recovery.py
HISTORY = 6  # bills whose average daily use is "usual"
END = ConversationHandler.END


def _draft(ctx: Ctx) -> dict:
    return ctx.user_data.setdefault(NAME, {})


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def start(update: Update, ctx: Ctx) -> int:
    """Pick the verified subscription to declare for (or explain how to link one)."""
    await begin(update, ctx)
    await ensure_chat(update, ctx)
    links = await ctx.store.links(_chat_id(update))
    verified = [link for link in links if link.verified]
    if not verified:
        text = t("reading.unverified") if links else t("reading.no_links")
        await show(update, ctx, text, inline([back_row()]))
        return END
    ctx.user_data[NAME] = {}
    if len(verified) == 1:
        return await _chosen(update, ctx, verified[0])
    rows = [[(t("reading.pick_label", nickname=link.nickname,
                number=fmt.digits(link.subscriber.subscription_number)),
              f"sr:sub:{link.subscriber.id}")] for link in verified]
    await show(update, ctx, t("reading.pick"), inline(rows))
    return PICK


restart = start  # a step whose draft was lost starts the declaration again


async def pick(update: Update, ctx: Ctx) -> int:
    """Take the subscription pressed, if it is still a verified link of this chat."""
    await answer_query(update)
    data = update.callback_query.data if update.callback_query else ""
    subscriber_id = parse_int((data or "").rsplit(":", 1)[-1]) or 0
    link = await ctx.store.link(_chat_id(update), subscriber_id)
    if link is None or not link.verified:
        return await start(update, ctx)
    return await _chosen(update, ctx, link)


async def pick_expected(update: Update, ctx: Ctx) -> int:
    """Text while a subscription button is expected."""
    await reply(update, t("tariffs_menu.use_buttons"))
    return PICK


async def _chosen(update: Update, ctx: Ctx, link: Link) -> int:
    """Ask for the meter number, showing the latest one on file."""
    sid = link.subscriber.id
    _draft(ctx).update(subscriber=sid, nickname=link.nickname)
    bill, last = await ctx.store.latest_bill(sid), await ctx.store.last_reading(sid)
    known = latest_known(bill, last)
    text = (t("reading.ask", nickname=link.nickname, previous=fmt.digits(known.reading),
              date=fmt.jalali_date(known.read_on))
            if known else t("reading.ask_first", nickname=link.nickname))
    await show(update, ctx, text, inline([[(t("reading.button_howto"), "sr:howto")]]))
    return NUMBER


async def how_to_read(update: Update, ctx: Ctx) -> int:
    """Explain how to read a meter; keep waiting for the number."""
    await answer_query(update)
    await reply(update, t("info.bodies.read_meter"))
    return NUMBER


async def _subscriber(update: Update, ctx: Ctx, subscriber_id: int) -> Subscriber | None:
    """The subscriber while it is still a verified link of this chat."""
    link = await ctx.store.link(_chat_id(update), subscriber_id)
    return link.subscriber if link is not None and link.verified else None


async def _number(update: Update, ctx: Ctx, text: str) -> int:
    """Check a typed reading: refuse a lower one, ask to confirm a huge one, else go on."""
    value = parse_int(text)
    if value is None:
        await reply(update, t("reading.not_a_number", text=fmt.echo(text)))
        return NUMBER
    if value > MAX_READING:
        await reply(update, t("reading.too_many_digits"))
        return NUMBER
    subscriber = await _subscriber(update, ctx, _draft(ctx).get("subscriber", 0))
    if subscriber is None:
        ctx.user_data.pop(NAME, None)
        await reply(update, t("reading.no_links"), inline([back_row()]))
        return END
    bills = await ctx.store.bills(subscriber.id, limit=HISTORY)
    known = latest_known(bills[0] if bills else None, await ctx.store.last_reading(subscriber.id))
    check = check_reading(value, known, fmt.tehran_today(), subscriber.units, average_daily(bills))
    if check.verdict is Verdict.LOWER:
        assert known is not None
        await reply(update, t("reading.lower", reading=fmt.digits(value),
                              previous=fmt.digits(known.reading),
                              date=fmt.jalali_date(known.read_on)))
        return NUMBER
    _draft(ctx)["reading"] = value
    if check.verdict is Verdict.HUGE:
        buttons = inline([[(t("reading.button_confirm"), "sr:yes")],
                          [(t("reading.button_retry"), "sr:no")]])
        await reply(update, t("reading.huge", reading=fmt.digits(value), use=check.use,
                              days=check.days, daily=fmt.number(check.daily, 1)), buttons)
        return CONFIRM
    return await _photo_or_save(update, ctx)


async def type_number(update: Update, ctx: Ctx) -> int:
    """The meter number typed in any digits."""
    return await _number(update, ctx, message_text(update))


async def number_photo(update: Update, ctx: Ctx) -> int:
    """A meter photo while the number is awaited: keep it; its caption may be the number."""
    message = update.effective_message
    assert message is not None and message.photo
    _draft(ctx)["photo"] = message.photo[-1].file_id
    if message.caption:
        return await _number(update, ctx, message.caption)
    await reply(update, t("reading.photo_received"))
    return NUMBER


async def confirm(update: Update, ctx: Ctx) -> int:
    """The user confirms a huge reading."""
    await answer_query(update)
    if "reading" not in _draft(ctx):
        return NUMBER
    return await _photo_or_save(update, ctx)


async def retry(update: Update, ctx: Ctx) -> int:
    """The user will send the number again."""
    await answer_query(update)
    _draft(ctx).pop("reading", None)
    await reply(update, t("reading.retry"))
    return NUMBER


async def _photo_or_save(update: Update, ctx: Ctx) -> int:
    """Ask for an optional photo, unless one came already."""
    if _draft(ctx).get("photo"):
        return await _save(update, ctx)
    await reply(update, t("reading.ask_photo"), inline([[(t("common.button_skip"), "sr:skip")]]))
    return PHOTO


async def photo(update: Update, ctx: Ctx) -> int:
    """Keep the meter photo and save."""
    message = update.effective_message
    assert message is not None and message.photo
    _draft(ctx)["photo"] = message.photo[-1].file_id
    return await _save(update, ctx)


async def skip_photo(update: Update, ctx: Ctx) -> int:
    """Save without a photo."""
    await answer_query(update)
    return await _save(update, ctx)


async def photo_expected(update: Update, ctx: Ctx) -> int:
    """Anything but a photo or the skip button."""
    await reply(update, t("reading.photo_expected"),
                inline([[(t("common.button_skip"), "sr:skip")]]))
    return PHOTO


async def _save(update: Update, ctx: Ctx) -> int:
    """Store the reading, then answer with the use since the last bill and the estimate."""
    draft = ctx.user_data.pop(NAME, {})
    subscriber = await _subscriber(update, ctx, draft.get("subscriber", 0))
    if subscriber is None or "reading" not in draft:
        await reply(update, t("reading.no_links"), inline([back_row()]))
        return END
    value, photo_id, day = draft["reading"], draft.get("photo"), fmt.tehran_today()
    bill = await ctx.store.latest_bill(subscriber.id)
    last = await ctx.store.last_reading(subscriber.id)
    found = estimate(subscriber, bill, last, value, day)
    await record(ctx.store, subscriber, value, day, _chat_id(update), photo_id, found)
    key = "reading.saved_with_photo" if photo_id else "reading.saved"
    lines = [t(key, reading=fmt.digits(value), date=fmt.jalali_date(day))]
    if found is None:
        lines.append(t("reading.no_estimate"))
    else:
        result = found.result
        lines.append(t("reading.estimate", since=fmt.jalali_date(found.since.read_on),
                       since_reading=fmt.digits(found.since.reading), use=found.use,
                       days=result.days, daily=fmt.number(result.average_daily, 2),
                       allowed=fmt.number(result.allowed, 1), total=fmt.rials(result.total)))
        if result.excess_use > 0 and result.allowed > 0:
            lines.append(t("reading.above_pattern", above=fmt.number(result.excess_use, 1),
                           percent=fmt.number(result.excess_use * 100 / result.allowed)))
    await reply(update, "\n\n".join(lines), inline([back_row()]))
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
                CallbackQueryHandler(start, pattern="^sr:start$"),
                CommandHandler("reading", start),
            ],
            states={
                PICK: [CallbackQueryHandler(pick, pattern=rf"^sr:sub:{ID}$"),
                       MessageHandler(TEXT, pick_expected)],
                NUMBER: [
                    CallbackQueryHandler(how_to_read, pattern="^sr:howto$"),
                    MessageHandler(filters.PHOTO, number_photo),
                    MessageHandler(TEXT, type_number),
                ],
                CONFIRM: [
                    CallbackQueryHandler(confirm, pattern="^sr:yes$"),
                    CallbackQueryHandler(retry, pattern="^sr:no$"),
                    MessageHandler(filters.PHOTO, number_photo),
                    MessageHandler(TEXT, type_number),
                ],
                PHOTO: [
                    CallbackQueryHandler(skip_photo, pattern="^sr:skip$"),
                    MessageHandler(filters.PHOTO, photo),
                    MessageHandler(~filters.COMMAND, photo_expected),
                ],
            },
            fallbacks=[CallbackQueryHandler(stale_step, pattern="^sr:")],
        ),
    ]
