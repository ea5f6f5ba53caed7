"""«🧾 قبض من»: look up a bill by subscription number or bill ID, then its buttons.

Conversation `bills` (draft in `user_data["bills"]`): the user's verified subscriptions are
offered as buttons; any number can be typed instead (Persian digits and spaces accepted),
or a bill ID with its payment ID, or the bill's barcode; `/start <number>` from a link or
the QR code printed on a paper bill (bot/runtime/deep_links.py) opens the same inquiry, and a free-
text router calls `inquire()`, the one entry point.

Whoever holds the paper bill and types its bill ID sees what a bank's inquiry shows
(amount, due date, period, consumption, paid or not, and the pay button); a subscription
number alone shows nothing before a proof. The full bill (readings, lines, history,
chart) is shown only after ownership is proven (handlers/ownership.py): the phone contact,
or the payment ID of one of the last three bills typed at the same prompt. Then it is
linked automatically with a default nickname «<city> <last four digits>» (no extra
question, so the bill comes at once; «🏠 اشتراک‌های من» can add it again with another nickname).

Buttons under a bill (callback data, checked against the chat's verified links every time,
so forged data shows nothing personal): `bill:show:<subscriber>`, `bill:view:<bill>`,
`bill:prev:<bill>:<offset>`, `bill:how:<bill>`, `bill:why:<bill>`, `bill:chart:<subscriber>`;
and the pay button of an unpaid bill (handlers/payments.py).
"""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.billing.billing import matches, recompute
from bot.billing.chart import Labels, Point, chart_png, current_point
from bot.billing.consumption import Analysis, analyse, pattern_of
from bot.billing.periods import Period
from bot.billing.view import period_label, render_bill, render_public, volume
from bot.domain.identifiers import parse_bill_and_payment
from bot.payments import options
from bot.runtime import deep_links
from bot.runtime.app import Ctx
from bot.runtime.conversations import end_conversations, enter_conversation
from bot.store.models import Bill, Link, Subscriber
from bot.store.payments import Payable
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import button_filter, inline, main_menu
from bot.text.normalise import digits_only
from handlers.common import ID, answer_query, message_text, reply, show
from handlers.ownership import (
    ask_proof,
    check_contact,
    check_payment_proof,
    default_nickname,
    find_subscriber,
    link_verified,
    looks_like_payment_id,
    number_throttled,
    owned,
    phone_on_record,
    proof_error,
    verify_error,
)
from tariffs import TariffError
from tariffs.render import render_steps

NAME = "bills"
ASK_NUMBER, VERIFY = range(2)
DRAFT_STATES = (VERIFY,)  # handlers/recovery.py
PAGE = 5
CHART_PERIODS = 12
MAX_MESSAGE = 4000


def pay_rows(ctx: Ctx, bill: Bill) -> list[list[InlineKeyboardButton]]:
    """The pay button of an unpaid bill (none for a paid one or one with nothing to pay)."""
    if not bill.payable_now:
        return []
    return [[options.pay_button(bill.bill_id, bill.payment_id, bill.payable, ctx.settings,
                                ctx.profile)]]


def bill_buttons(bill: Bill, ctx: Ctx) -> InlineKeyboardMarkup:
    """The buttons under a bill: pay (if unpaid), previous bills, how, why, chart."""
    rows = inline([
        [(t("bills.button_previous"), f"bill:prev:{bill.id}:0")],
        [(t("bills.button_how"), f"bill:how:{bill.id}"), (t("bills.button_why"), f"bill:why:{bill.id}")],
        [(t("bills.button_chart"), f"bill:chart:{bill.subscriber_id}")],
    ]).inline_keyboard
    return InlineKeyboardMarkup([*pay_rows(ctx, bill), *rows])


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
    await show(update, ctx, render_bill(bill, link.subscriber, link.nickname),
               bill_buttons(bill, ctx))


async def start(update: Update, ctx: Ctx) -> int:
    """Offer the verified subscriptions, or ask for a number."""
    await answer_query(update)
    ctx.user_data.pop(NAME, None)
    links = [link for link in await ctx.store.links(update.effective_chat.id) if link.verified]
    if links:
        rows = [[(t("bills.button_linked", nickname=link.nickname), f"bill:show:{link.subscriber.id}")]
                for link in links]
        await reply(update, t("bills.choose_linked"), inline(rows))
    await reply(update, t("bills.ask_number"), main_menu())
    return ASK_NUMBER


restart = start  # a step whose draft was lost asks for the number again


async def inquire(update: Update, ctx: Ctx, text: str) -> int:
    """THE entry point of the bill inquiry for a number typed, pasted or deep-linked:
    a subscription number, a bill ID, a bill ID with its payment ID, or the barcode.

    A subscription this chat owns shows its full bill. Anyone else who typed a bill ID sees
    what a bank's inquiry shows (bot/billing/view.render_public: amount, due date, period,
    consumption, paid or not, and the pay button); everyone else is asked for an ownership
    proof (phone, or a recent payment ID) to see more. The IDs of a request's invoice show
    that invoice and its pay button. Every lookup is throttled.

    Returns the state of the `bills` conversation: ASK_NUMBER after a wrong number,
    VERIFY while a proof is awaited, else END. Called from outside the conversation (a
    free-text router), it puts the user into that state itself.
    """
    state = await _inquire(update, ctx, text)
    enter_conversation(ctx.application, update, NAME, state)
    return state


async def _inquire(update: Update, ctx: Ctx, text: str) -> int:
    pair = parse_bill_and_payment(text)
    if pair is not None:
        payable = await _throttled_payable(update, ctx, pair[0].digits, pair[1].digits)
        if isinstance(payable, str):
            await reply(update, payable)
            return ASK_NUMBER
        if payable is not None and payable.request is not None:
            await _show_invoice(update, ctx, payable)
            return ConversationHandler.END
        if payable is not None and payable.bill is not None:
            subscriber = await ctx.store.subscriber(payable.bill.subscriber_id)
            assert subscriber is not None
            return await _answer(update, ctx, subscriber, payable.bill, public=True)
    subscriber, error = await find_subscriber(update, ctx, text)
    if subscriber is None:
        await reply(update, error or t("bills.unknown"))
        return ASK_NUMBER
    typed = (digits_only(text) or "").lstrip("0")
    return await _answer(update, ctx, subscriber, public=typed == subscriber.bill_id)


async def _throttled_payable(update: Update, ctx: Ctx, bill_id: str, payment_id: str
                             ) -> Payable | str | None:
    throttled = await number_throttled(update, ctx)  # the same limit as every number lookup
    return throttled or await ctx.store.payable(bill_id, payment_id)


async def _show_invoice(update: Update, ctx: Ctx, payable: Payable) -> None:
    """A request invoice named by its IDs: the amount, paid or not, and its pay button."""
    request = payable.request
    assert request is not None
    status = (options.paid_line(payable) if payable.paid_at else t("inquiry.unpaid"))
    markup = None
    if payable.open:
        markup = InlineKeyboardMarkup([[options.pay_button(
            *payable.ids, payable.amount, ctx.settings, ctx.profile)]])
    await reply(update, t("inquiry.invoice", amount=fmt.rials(payable.amount), status=status),
                markup)
    await reply(update, t("common.back_to_menu"), main_menu())


async def _answer(update: Update, ctx: Ctx, subscriber: Subscriber, bill: Bill | None = None,
                  *, public: bool) -> int:
    """The full bill for an owner; for anyone else a proof request, after the bank-style
    inquiry when `public` (the bill ID was typed: a subscription number alone shows nothing,
    since the inquiry shows the bill ID, and with it the amount the payment ID is built from)."""
    chat_id = update.effective_chat.id
    link = await owned(ctx, chat_id, subscriber.id)
    if link is not None:
        if bill is None:
            await send_latest(update, ctx, link)
        else:
            await show(update, ctx, render_bill(bill, subscriber, link.nickname),
                       bill_buttons(bill, ctx))
        return ConversationHandler.END
    if await phone_on_record(ctx, chat_id, subscriber):
        return await _link_and_show(update, ctx, subscriber)
    bill = bill or await ctx.store.latest_bill(subscriber.id)
    if bill is not None and public:
        await reply(update, render_public(bill), InlineKeyboardMarkup(pay_rows(ctx, bill))
                    if bill.payable_now else None)
    if not await ask_proof(update, subscriber, has_bills=bill is not None):
        return ConversationHandler.END
    ctx.user_data[NAME] = {"subscriber_id": subscriber.id}
    return VERIFY


async def got_number(update: Update, ctx: Ctx) -> int:
    """A number typed at the prompt."""
    return await _inquire(update, ctx, message_text(update))


async def from_deep_link(update: Update, ctx: Ctx) -> int:
    """`/start <number>` from a link or a QR code on the paper bill (bot/runtime/deep_links.py)."""
    text = deep_links.number_of(ctx.args[0] if ctx.args else "")
    if text is None:
        await reply(update, t("start.greeting_anonymous"), main_menu())
        return ConversationHandler.END
    ctx.user_data.pop(NAME, None)
    state = await _inquire(update, ctx, text)
    if state == ASK_NUMBER:
        await reply(update, t("bills.ask_number"), main_menu())
    return state


async def _link_and_show(update: Update, ctx: Ctx, subscriber: Subscriber,
                         proof: str = "phone", done: str | None = None) -> int:
    """Link the proven subscription and show its bill; `done` (the proof accepted) and the
    link's note go in one message with the main menu, the bill in the next."""
    await link_verified(ctx, update, subscriber, default_nickname(subscriber), proof=proof)
    link = await owned(ctx, update.effective_chat.id, subscriber.id)
    assert link is not None
    note = t("bills.linked_note", nickname=link.nickname)
    await send_latest(update, ctx, link, f"{done}\n{note}" if done else note)
    ctx.user_data.pop(NAME, None)
    return ConversationHandler.END


async def _draft_subscriber(update: Update, ctx: Ctx) -> Subscriber | None:
    draft = ctx.user_data.get(NAME) or {}
    subscriber = await ctx.store.subscriber(int(draft.get("subscriber_id", 0)))
    if subscriber is None:
        await reply(update, t("common.expired_button"), main_menu())
    return subscriber


async def got_contact(update: Update, ctx: Ctx) -> int:
    """Check the shared contact against the phone on file."""
    subscriber = await _draft_subscriber(update, ctx)
    if subscriber is None:
        return ConversationHandler.END
    error = await check_contact(update, ctx, subscriber)
    if error in ("no_owner", "not_own", "bad_phone"):
        await reply(update, verify_error(error))
        return VERIFY
    if error is not None:
        ctx.user_data.pop(NAME, None)
        await reply(update, verify_error(error), main_menu())
        return ConversationHandler.END
    return await _link_and_show(update, ctx, subscriber, done=t("subs.verify.done"))


async def got_text_at_proof(update: Update, ctx: Ctx) -> int:
    """Typed text where a proof is expected: a payment ID is checked, anything else (a
    typed phone number too) is told to use the button or type a payment ID."""
    text = message_text(update)
    if not looks_like_payment_id(text):
        await reply(update, t("subs.verify.press_button"))
        return VERIFY
    subscriber = await _draft_subscriber(update, ctx)
    if subscriber is None:
        return ConversationHandler.END
    error = await check_payment_proof(update, ctx, subscriber, text)
    if error is not None:
        await reply(update, proof_error(error))
        return VERIFY
    return await _link_and_show(update, ctx, subscriber, proof="bill", done=t("own.done_bill"))


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
        await show(update, ctx, render_bill(bill, link.subscriber, link.nickname),
                   bill_buttons(bill, ctx))


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
    await send_why(update, ctx, *found)


async def send_why(update: Update, ctx: Ctx, bill: Bill, link: Link) -> None:
    """The high-bill diagnosis of one of the chat's bills."""
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
    await send_chart(update, ctx, link)


async def send_chart(update: Update, ctx: Ctx, link: Link) -> None:
    """The consumption chart of one of the chat's verified subscriptions."""
    bills = (await ctx.store.bills(link.subscriber.id, limit=CHART_PERIODS))[::-1]
    if not bills:
        await reply(update, t("chart.no_data"))
        return
    points = [Point(period_label(b.year, b.period), b.consumption, b.allowed) for b in bills]
    last = bills[-1]
    reading = await ctx.store.last_reading(link.subscriber.id)
    following = Period(last.year, last.period).next()
    current = current_point(link.subscriber, last, reading, t(
        "chart.current_period", period=following.period, year=following.year))
    caption = [t("chart.caption", nickname=link.nickname, count=len(bills))]
    if current is not None and reading is not None:
        points.append(current)
        caption.append(t("chart.caption_current", days=(reading.read_on - last.curr_reading_date).days,
                         date=fmt.jalali_long(reading.read_on)))
    labels = Labels(t("chart.title"), t("chart.use"),
                    t("chart.pattern") if pattern_of(link.subscriber, last.usage) is not None
                    else t("chart.capacity"), t("chart.axis"), t("chart.current"))
    png = await chart_png(points, labels)
    await update.effective_chat.send_photo(
        InputFile(png, filename="consumption.png"), caption="\n".join(caption))


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
                CommandHandler("start", from_deep_link, has_args=True),
            ],
            states={
                ASK_NUMBER: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_number)],
                VERIFY: [
                    MessageHandler(filters.CONTACT, got_contact),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, got_text_at_proof),
                ],
            },
            fallbacks=[],
        ),
        CallbackQueryHandler(show_subscription, pattern=rf"^bill:show:{ID}$"),
        CallbackQueryHandler(view_bill, pattern=rf"^bill:view:{ID}$"),
        CallbackQueryHandler(previous_bills, pattern=rf"^bill:prev:{ID}:{ID}$"),
        CallbackQueryHandler(how_computed, pattern=rf"^bill:how:{ID}$"),
        CallbackQueryHandler(why_high, pattern=rf"^bill:why:{ID}$"),
        CallbackQueryHandler(chart, pattern=rf"^bill:chart:{ID}$"),
    ]
