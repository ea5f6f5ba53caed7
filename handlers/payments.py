"""Paying a bill or a request invoice from the chat (bot/payments/ does the work).

* `pay:<bill ID>:<payment ID>` (the pay button of a bill, an invoice, a notice): says why
  it cannot be paid (unknown, paid with date and reference, replaced by a newer bill,
  closed), or answers with the way to pay: Bale's invoice, the payment page, or the IDs.
* Bale's `pre_checkout_query`: ok only when the bill or invoice is still due and the
  amount is what is due; else the reason, in Persian.
* A message with `successful_payment`: recorded once (idempotent on Bale's charge id),
  with its receipt; the payer is told at once, the receipt follows from the outbox.

The pre-checkout and successful-payment handlers run in group -1 (`early()`), before any
conversation, so a payment is never taken for an answer to a question.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.payments import bale, ledger, options
from bot.payments.options import Answer, Method
from bot.runtime.app import Ctx
from bot.store.payments import Payable
from bot.text import fmt
from bot.text.fmt import now_utc
from bot.text.i18n import t
from bot.text.keyboards import main_menu
from handlers.common import answer_query, ensure_chat
from handlers.ownership import number_throttled

log = logging.getLogger(__name__)


async def send_answer(update: Update, answer: Answer) -> None:
    """Send a payment message (with its monospace entities) to the chat of the update."""
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(answer.text, entities=answer.entities or None,
                                reply_markup=answer.markup)


async def offer(update: Update, ctx: Ctx, payable: Payable | None) -> None:
    """Answer «how do I pay this?» for a bill or invoice."""
    refused = options.not_payable_answer(payable)
    if refused is not None or payable is None:
        await send_answer(update, refused or Answer(t("pay.unknown")))
        return
    method = options.method_for(ctx.settings, ctx.profile)
    if method is Method.INVOICE and ctx.settings.provider_token:
        invoice = bale.invoice_for(payable, ctx.settings.provider_token)
        await ctx.bot.send_invoice(
            update.effective_chat.id, invoice.title, invoice.description, invoice.payload,
            invoice.currency, invoice.prices, provider_token=invoice.provider_token)
    elif method is Method.URL:
        await send_answer(update, options.url_answer(payable, ctx.settings))
    else:
        await send_answer(update, options.ids_answer(payable))


async def pay_button(update: Update, ctx: Ctx) -> None:
    """`pay:<bill ID>:<payment ID>`."""
    await answer_query(update)
    _, bill_id, payment_id = update.callback_query.data.split(":")
    throttled = await number_throttled(update, ctx)  # forged pairs must not be enumerable
    if throttled:
        await send_answer(update, Answer(throttled))
        return
    await offer(update, ctx, await ctx.store.payable(bill_id, payment_id))


async def pre_checkout(update: Update, ctx: Ctx) -> None:
    """Bale asks before charging: still due, and the amount is what is due?"""
    query = update.pre_checkout_query
    ids = bale.parse_payload(query.invoice_payload)
    payable = await ctx.store.payable(*ids) if ids else None
    refused = options.not_payable_answer(payable)
    if refused is None and payable is not None and query.total_amount != payable.amount:
        refused = Answer(t("pay.amount_changed", amount=fmt.rials(payable.amount)))
    if refused is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=refused.text)
    raise ApplicationHandlerStop


async def paid(update: Update, ctx: Ctx) -> None:
    """Bale took the money: record it once, tell the payer."""
    payment = update.effective_message.successful_payment
    ids = bale.parse_payload(payment.invoice_payload)
    await ensure_chat(update, ctx)
    if ids is None:
        log.error("successful payment with a foreign payload, charge %s",
                  payment.telegram_payment_charge_id)
        await update.effective_message.reply_text(t("pay.unmatched"), reply_markup=main_menu())
        raise ApplicationHandlerStop
    try:
        recorded = await ledger.record(ctx.store, ledger.Payment(
            ids[0], ids[1], payment.total_amount, payment.telegram_payment_charge_id,
            bale.CHANNEL, now_utc(), provider_ref=payment.provider_payment_charge_id,
            chat_id=update.effective_chat.id))
    except ledger.PaymentError:
        log.error("successful payment for unknown IDs, charge %s",
                  payment.telegram_payment_charge_id)
        await update.effective_message.reply_text(t("pay.unmatched"), reply_markup=main_menu())
        raise ApplicationHandlerStop from None
    if recorded.new:
        text = (t(f"pay.problem_{recorded.problem}") if recorded.problem
                else t("pay.done", reference=fmt.digits(payment.telegram_payment_charge_id)))
        await update.effective_message.reply_text(text, reply_markup=main_menu())
    raise ApplicationHandlerStop


def early() -> list:
    """The handlers that must run before every conversation (group -1)."""
    return [
        PreCheckoutQueryHandler(pre_checkout),
        MessageHandler(filters.SUCCESSFUL_PAYMENT, paid),
    ]


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [CallbackQueryHandler(pay_button, pattern=r"^pay:\d{6,13}:\d{6,13}$")]
