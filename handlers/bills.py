"""«🧾 قبض من»: look up a bill by subscription number or bill ID, then its buttons.

Conversation `bills` (draft in `user_data["bills"]`): the user's verified subscriptions are
offered as buttons; any number can be typed instead (Persian digits and spaces accepted).
A number not yet linked to this chat is shown only after ownership is proven (a phone
contact that matches the phone on file, see handlers/ownership.py); then it is linked
automatically with a default nickname «<city> <last four digits>» (no extra question, so
the bill comes at once; «🏠 اشتراک‌های من» can add it again with another nickname).

Buttons under a bill (callback data, checked against the chat's verified links every time,
so forged data shows nothing personal): `bill:show:<subscriber>`, `bill:view:<bill>`,
`bill:prev:<bill>:<offset>`, `bill:how:<bill>`, `bill:why:<bill>`, `bill:chart:<subscriber>`.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.app import Ctx
from bot.billing.billing import matches, recompute
from bot.billing.chart import Labels, Point, chart_png
from bot.billing.consumption import Analysis, analyse, pattern_of
from bot.billing.view import period_label, render_bill, volume
from bot.conversations import end_conversations
from bot.store.models import Bill, Link, Subscriber
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from handlers.common import answer_query, message_text, reply, show
from handlers.ownership import (
    ask_contact,
    check_contact,
    default_nickname,
    find_subscriber,
    has_phone,
    link_verified,
    owned,
    phone_on_record,
    verify_error,
)
from tariffs import TariffError
from tariffs.render import render_steps

NAME = "bills"
ASK_NUMBER, VERIFY = range(2)
PAGE = 5
CHART_PERIODS = 12
MAX_MESSAGE = 4000


def bill_buttons(bill: Bill) -> InlineKeyboardMarkup:
    """The buttons under a bill."""
    return inline([
        [(t("bills.button_previous"), f"bill:prev:{bill.id}:0")],
        [(t("bills.button_how"), f"bill:how:{bill.id}"), (t("bills.button_why"), f"bill:why:{bill.id}")],
        [(t("bills.button_chart"), f"bill:chart:{bill.subscriber_id}")],
    ])


def back_to(bill: Bill) -> InlineKeyboardMarkup:
    """One button back to the bill an answer is about."""
    return inline([[(t("common.button_back"), f"bill:view:{bill.id}")]])


async def send_latest(update: Update, ctx: Ctx, link: Link, note: str | None = None) -> None:
    """Show the newest bill of a linked subscription (or say there is none)."""
    bill = await ctx.store.latest_bill(link.subscriber.id)
    if bill is None:
        await reply(update, t("bills.no_bills", nickname=link.nickname), main_menu())
        return
    if note:
        await reply(update, note, main_menu())
    await show(update, ctx, render_bill(bill, link.subscriber, link.nickname), bill_buttons(bill))


async def start(update: Update, ctx: Ctx) -> int:
    """Offer the verified subscriptions, or ask for a number."""
    ctx.user_data.pop(NAME, None)
    links = [link for link in await ctx.store.links(update.effective_chat.id) if link.verified]
    if links:
        rows = [[(t("bills.button_linked", nickname=link.nickname), f"bill:show:{link.subscriber.id}")]
                for link in links]
        await reply(update, t("bills.choose_linked"), inline(rows))
    await reply(update, t("bills.ask_number"), main_menu())
    return ASK_NUMBER


async def got_number(update: Update, ctx: Ctx) -> int:
    """Find the subscription; show its bill if this chat owns it, else ask for proof."""
    subscriber, error = await find_subscriber(update, ctx, message_text(update))
    if subscriber is None:
        await reply(update, error or t("bills.unknown"))
        return ASK_NUMBER
    chat_id = update.effective_chat.id
    link = await owned(ctx, chat_id, subscriber.id)
    if link is not None:
        await send_latest(update, ctx, link)
        return ConversationHandler.END
    if await phone_on_record(ctx, chat_id, subscriber):
        return await _link_and_show(update, ctx, subscriber)
    if not has_phone(subscriber):
        await reply(update, verify_error("no_phone"), main_menu())
        return ConversationHandler.END
    ctx.user_data[NAME] = {"subscriber_id": subscriber.id}
    await ask_contact(update)
    return VERIFY


async def _link_and_show(update: Update, ctx: Ctx, subscriber: Subscriber) -> int:
    await link_verified(ctx, update, subscriber, default_nickname(subscriber))
    link = await owned(ctx, update.effective_chat.id, subscriber.id)
    assert link is not None
    await send_latest(update, ctx, link, t("bills.linked_note", nickname=link.nickname))
    ctx.user_data.pop(NAME, None)
    return ConversationHandler.END


async def got_contact(update: Update, ctx: Ctx) -> int:
    """Check the shared contact against the phone on file."""
    draft = ctx.user_data.get(NAME) or {}
    subscriber = await ctx.store.subscriber(int(draft.get("subscriber_id", 0)))
    if subscriber is None:
        await reply(update, t("common.expired_button"), main_menu())
        return ConversationHandler.END
    error = await check_contact(update, ctx, subscriber)
    if error in ("not_own", "bad_phone"):
        await reply(update, verify_error(error))
        return VERIFY
    if error is not None:
        ctx.user_data.pop(NAME, None)
        await reply(update, verify_error(error), main_menu())
        return ConversationHandler.END
    await reply(update, t("subs.verify.done"))
    return await _link_and_show(update, ctx, subscriber)


async def contact_expected(update: Update, ctx: Ctx) -> int:
    """Typed text where the contact button was expected."""
    await reply(update, t("subs.verify.press_button"))
    return VERIFY


# --- buttons -----------------------------------------------------------------------------


async def refuse(update: Update) -> None:
    """A button for a subscription this chat does not own: show nothing personal."""
    await answer_query(update)
    await reply(update, t("bills.not_available"), main_menu())


async def owned_bill(update: Update, ctx: Ctx, bill_row_id: int) -> tuple[Bill, Link] | None:
    """The bill and the chat's verified link to its subscription, or None (and refuse)."""
    bill = await ctx.store.bill(bill_row_id)
    link = await owned(ctx, update.effective_chat.id, bill.subscriber_id) if bill else None
    if bill is None or link is None:
        await refuse(update)
        return None
    await answer_query(update)
    return bill, link


def _ids(update: Update) -> list[int]:
    return [int(part) for part in update.callback_query.data.split(":")[2:]]


async def show_subscription(update: Update, ctx: Ctx) -> None:
    """`bill:show:<subscriber>`: the latest bill of a linked subscription."""
    end_conversations(ctx.application, update, ctx.user_data)
    link = await owned(ctx, update.effective_chat.id, _ids(update)[0])
    if link is None:
        await refuse(update)
        return
    await answer_query(update)
    await send_latest(update, ctx, link)


async def view_bill(update: Update, ctx: Ctx) -> None:
    """`bill:view:<bill>`: one bill with its buttons."""
    found = await owned_bill(update, ctx, _ids(update)[0])
    if found:
        bill, link = found
        await show(update, ctx, render_bill(bill, link.subscriber, link.nickname), bill_buttons(bill))


async def previous_bills(update: Update, ctx: Ctx) -> None:
    """`bill:prev:<bill>:<offset>`: older bills than this one, a page at a time."""
    bill_row_id, offset = _ids(update)
    found = await owned_bill(update, ctx, bill_row_id)
    if not found:
        return
    bill, link = found
    every = await ctx.store.bills(bill.subscriber_id, limit=60)
    older = [b for b in every if (b.year, b.period) < (bill.year, bill.period)]
    page = older[offset:offset + PAGE]
    if not page:
        await reply(update, t("bills.previous_none", nickname=link.nickname))
        return
    rows = [[(t("bills.previous_item", period=b.period, year=b.year, amount=fmt.rials(b.payable)),
              f"bill:view:{b.id}")] for b in page]
    if len(older) > offset + PAGE:
        rows.append([(t("bills.button_more"), f"bill:prev:{bill.id}:{offset + PAGE}")])
    await reply(update, t("bills.previous_title", nickname=link.nickname), inline(rows))


async def how_computed(update: Update, ctx: Ctx) -> None:
    """`bill:how:<bill>`: the engine's explanation, recomputed from the bill's own inputs."""
    found = await owned_bill(update, ctx, _ids(update)[0])
    if not found:
        return
    bill, link = found
    title = t("bills.how_title", period=bill.period, year=bill.year, nickname=link.nickname)
    try:
        result = recompute(link.subscriber, bill)
    except TariffError:
        await reply(update, "\n".join([title, t("bills.how_unavailable")]), back_to(bill))
        return
    lines = [t("bills.how_step", number=i, text=text)
             for i, text in enumerate(render_steps(result, t, fmt), start=1)]
    if matches(bill, result):
        lines.append(t("bills.how_matches", amount=fmt.rials(bill.payable)))
    else:
        lines.append(t("bills.how_differs", computed=fmt.rials(result.payable),
                       stored=fmt.rials(bill.payable)))
    *first, last = split_message([title, *lines])
    for text in first:
        await reply(update, text)
    await reply(update, last, back_to(bill))


def split_message(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join lines into messages no longer than `limit` characters."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def why_text(analysis: Analysis, bill: Bill, nickname: str) -> str:
    """The Persian answer to «why is it high» from an analysis."""
    rows = [
        t("why.title", period=bill.period, year=bill.year, nickname=nickname),
        t("why.use", use=volume(analysis.consumption), days=analysis.days,
          daily=volume(analysis.daily.quantize(Decimal("0.001")))),
    ]
    allowed = volume(analysis.allowed.quantize(Decimal("0.1")))
    above = volume(analysis.above.quantize(Decimal("0.1")))
    if analysis.by_capacity:
        rows.append(t("why.capacity_above", allowed=allowed, above=above) if analysis.above
                    else t("why.capacity_within", allowed=allowed))
    elif analysis.above:
        rows.append(t("why.pattern_above", allowed=allowed, above=above,
                      percent=fmt.number(analysis.percent_above)))
    else:
        rows.append(t("why.pattern_within", allowed=allowed))
    if analysis.history_daily is not None and analysis.ratio is not None:
        rows.append(t("why.history", count=analysis.history_count,
                      average=volume(analysis.history_daily.quantize(Decimal("0.001"))),
                      ratio=fmt.number(analysis.ratio, 1)))
    else:
        rows.append(t("why.no_history"))
    if bill.previous_balance > 0:
        rows.append(t("why.debt", amount=fmt.rials(bill.previous_balance)))
    if not analysis.high:
        rows.append(t("why.normal"))
        return "\n".join(rows)
    for title, section in (("why.causes_title", "causes"), ("why.checks_title", "checks"),
                           ("why.next_title", "next")):
        rows.append(t(title))
        rows.extend(t("why.bullet", text=t(f"why.{section}.{code}")) for code in analysis.causes)
    return "\n".join(rows)


async def why_high(update: Update, ctx: Ctx) -> None:
    """`bill:why:<bill>`: compare with the pattern and the history; likely causes."""
    found = await owned_bill(update, ctx, _ids(update)[0])
    if not found:
        return
    bill, link = found
    history = await ctx.store.bills(bill.subscriber_id, limit=60)
    reading = await ctx.store.last_reading(bill.subscriber_id)
    later = reading.reading if reading and reading.read_on > bill.curr_reading_date else None
    analysis = analyse(bill, history, pattern=pattern_of(link.subscriber, bill.usage),
                       later_reading=later)
    await reply(update, why_text(analysis, bill, link.nickname), back_to(bill))


async def chart(update: Update, ctx: Ctx) -> None:
    """`bill:chart:<subscriber>`: a PNG of the use per period against the allowed use."""
    link = await owned(ctx, update.effective_chat.id, _ids(update)[0])
    if link is None:
        await refuse(update)
        return
    await answer_query(update)
    bills = (await ctx.store.bills(link.subscriber.id, limit=CHART_PERIODS))[::-1]
    if not bills:
        await reply(update, t("chart.no_data"))
        return
    points = [Point(period_label(b.year, b.period), b.consumption, b.allowed) for b in bills]
    labels = Labels(t("chart.title"), t("chart.use"),
                    t("chart.pattern") if pattern_of(link.subscriber, bills[-1].usage) is not None
                    else t("chart.capacity"), t("chart.axis"))
    png = await chart_png(points, labels)
    await update.effective_chat.send_photo(
        InputFile(png, filename="consumption.png"),
        caption=t("chart.caption", nickname=link.nickname, count=len(bills)),
    )


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME,
            persistent=True,
            allow_reentry=True,
            entry_points=[
                MessageHandler(button_filter("menu.bills"), start),
                CommandHandler("bill", start),
            ],
            states={
                ASK_NUMBER: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_number)],
                VERIFY: [
                    MessageHandler(filters.CONTACT, got_contact),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, contact_expected),
                ],
            },
            fallbacks=[],
        ),
        CallbackQueryHandler(show_subscription, pattern=r"^bill:show:\d+$"),
        CallbackQueryHandler(view_bill, pattern=r"^bill:view:\d+$"),
        CallbackQueryHandler(previous_bills, pattern=r"^bill:prev:\d+:\d+$"),
        CallbackQueryHandler(how_computed, pattern=r"^bill:how:\d+$"),
        CallbackQueryHandler(why_high, pattern=r"^bill:why:\d+$"),
        CallbackQueryHandler(chart, pattern=r"^bill:chart:\d+$"),
    ]
