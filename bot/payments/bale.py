"""Bale's in-chat payments, as its Bot API works (what we found, and rely on).

Found in the public libraries that implement Bale's Bot API and cite its documentation
(Balethon's `send_invoice`, `answer_pre_checkout_query`, `inquire_transaction` and its
payment example; the PHP Bale SDK's Payments methods, each linking docs.bale.ai's
section), and in third-party descriptions of Bale's "Send Invoice" (provider token = "the
payment provider or card number"):

* `sendInvoice(chat_id, title, description, payload, provider_token, prices, photo_url,
  reply_to_message_id, reply_markup)`: Telegram's method without `currency` and the
  shipping/tip options. Title 1-32 characters, description 1-255, payload 1-128 bytes
  (never shown to the user). `provider_token` is not a payment provider's token but where
  the money goes: a bank card number (16 digits) or a Bale wallet token. `prices` is a
  list of LabeledPrice {label, amount} with amounts in RIALS (Bale pays in Iranian rials
  only). PTB requires a `currency` argument; we pass "IRR", which Bale ignores.
* Before charging, Bale sends a `pre_checkout_query` update {id, from, currency,
  total_amount, invoice_payload}; the bot must answer `answerPreCheckoutQuery(
  pre_checkout_query_id, ok, error_message)` at once (Telegram allows 10 seconds). We
  answer ok only when the bill or invoice is still due and the amount is what is due.
* After the payment, a message with `successful_payment` {currency, total_amount,
  invoice_payload, telegram_payment_charge_id, provider_payment_charge_id} arrives in the
  payer's chat. `telegram_payment_charge_id` is Bale's id of the charge: it is the key that
  makes recording a payment idempotent (a repeated update records nothing new).
* `inquireTransaction(transaction_id)` returns a Transaction {id, status: pending | paid |
  failed | rejected, userID, amount, createdAt}; not needed here, since the successful
  payment message is only sent for a completed charge.

Only Bale gets a native invoice: Telegram's payment providers take no rials, so on
Telegram the bot links to the utility's payment page or shows the IDs (bot/payments/options.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import LabeledPrice

from bot.store.payments import Payable
from bot.text import fmt
from bot.text.i18n import t

CURRENCY = "IRR"  # required by PTB, ignored by Bale: Bale amounts are rials
CHANNEL = "bale"
TITLE_MAX, DESCRIPTION_MAX = 32, 255


def payload(bill_id: str, payment_id: str) -> str:
    """The invoice payload: the two national IDs (at most 27 bytes of the allowed 128)."""
    return f"{bill_id}:{payment_id}"


def parse_payload(text: str) -> tuple[str, str] | None:
    """(bill ID, payment ID) from an invoice payload, or None when it is not ours."""
    bill_id, sep, payment_id = (text or "").partition(":")
    if not sep or not bill_id.isdigit() or not payment_id.isdigit():
        return None
    return bill_id, payment_id


@dataclass(frozen=True)
class Invoice:
    """The arguments of `Bot.send_invoice` for one bill or request invoice."""

    title: str
    description: str
    payload: str
    provider_token: str
    currency: str
    prices: list[LabeledPrice]


def invoice_for(payable: Payable, provider_token: str) -> Invoice:
    """Bale's invoice for a payable: title and description from the locale, one price."""
    bill_id, payment_id = payable.ids
    if payable.bill is not None:
        bill = payable.bill
        title = t("pay.invoice_title_bill", period=bill.period, year=bill.year)
        description = t("pay.invoice_description_bill", bill_id=fmt.digits(bill_id),
                        payment_id=fmt.digits(payment_id), due=fmt.jalali_date(bill.due_date))
        label = t("pay.price_bill")
    else:
        title = t("pay.invoice_title_request")
        description = t("pay.invoice_description_request", bill_id=fmt.digits(bill_id),
                        payment_id=fmt.digits(payment_id))
        label = t("pay.price_request")
    return Invoice(title[:TITLE_MAX], description[:DESCRIPTION_MAX], payload(bill_id, payment_id),
                   provider_token, CURRENCY, [LabeledPrice(label, payable.amount)])
