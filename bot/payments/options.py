"""How a bill or invoice is paid from the chat, by what is configured:

1. Bale with a provider token (`ABFA_PAY_PROVIDER_TOKEN`): Bale's native invoice
   (bot/payments/bale.py), paid without leaving the chat.
2. Telegram, or Bale without a token, with `ABFA_PAY_URL`: a URL button to the utility's
   payment page, the template's {bill_id}, {payment_id} and {amount} (rials) filled in.
3. Neither: the two IDs in monospace (a tap copies them in Telegram), a copy button for
   each (Telegram and Bale both have `copy_text` buttons; they copy ASCII digits, which
   every banking app accepts), and how to pay at any bank channel.

Buttons carry the IDs, never a row id, so a forged button names only what its presser
already typed. Text comes from the locale; digits shown are Persian.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity

from bot.notify.notices import PAY
from bot.runtime.platform import PlatformProfile
from bot.runtime.settings import Platform, Settings
from bot.store.payments import Payable
from bot.text import fmt
from bot.text.i18n import t

_BILL_MARK, _PAYMENT_MARK = "\ue000", "\ue001"  # where the monospace IDs go in the text


class Method(StrEnum):
    """How this bot takes payments."""

    INVOICE = "invoice"
    URL = "url"
    IDS = "ids"


def method_for(settings: Settings, profile: PlatformProfile) -> Method:
    """The way to pay with these settings on this platform."""
    if profile.name is Platform.BALE and settings.provider_token:
        return Method.INVOICE
    if settings.pay_url:
        return Method.URL
    return Method.IDS


def pay_url(template: str, bill_id: str, payment_id: str, amount: int) -> str:
    """The payment page's address for these IDs and amount (rials)."""
    return template.format(bill_id=quote(bill_id), payment_id=quote(payment_id), amount=amount)


def pay_button(bill_id: str, payment_id: str, amount: int, settings: Settings,
               profile: PlatformProfile) -> InlineKeyboardButton:
    """The pay button under an unpaid bill or invoice: a link to the payment page when one
    is configured (and no Bale invoice), else a button that answers with the way to pay."""
    label = t("pay.button", amount=fmt.rials(amount))
    if method_for(settings, profile) is Method.URL and settings.pay_url:
        return InlineKeyboardButton(label, url=pay_url(settings.pay_url, bill_id, payment_id,
                                                       amount))
    return InlineKeyboardButton(label, callback_data=PAY.format(bill_id=bill_id,
                                                                payment_id=payment_id))


@dataclass(frozen=True)
class Answer:
    """A message about paying: text, monospace entities, buttons."""

    text: str
    entities: list[MessageEntity] = field(default_factory=list)
    markup: InlineKeyboardMarkup | None = None


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def with_monospace(template: str, bill_id: str, payment_id: str) -> tuple[str, list[MessageEntity]]:
    """Put the two IDs (Persian digits) where the marks are, each a `code` entity."""
    values = {_BILL_MARK: fmt.digits(bill_id), _PAYMENT_MARK: fmt.digits(payment_id)}
    out, entities = "", []
    for char in template:
        value = values.get(char)
        if value is None:
            out += char
            continue
        entities.append(MessageEntity(MessageEntity.CODE, _utf16(out), _utf16(value)))
        out += value
    return out, entities


def ids_answer(payable: Payable) -> Answer:
    """The IDs to pay at any bank: monospace, with copy buttons, and where to pay."""
    bill_id, payment_id = payable.ids
    text = t("pay.ids", amount=fmt.rials(payable.amount), bill_id=_BILL_MARK,
             payment_id=_PAYMENT_MARK)
    shown, entities = with_monospace(text, bill_id, payment_id)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("pay.copy_bill_id"), copy_text=CopyTextButton(bill_id)),
        InlineKeyboardButton(t("pay.copy_payment_id"), copy_text=CopyTextButton(payment_id)),
    ]])
    return Answer(shown, entities, markup)


def url_answer(payable: Payable, settings: Settings) -> Answer:
    """A message with the link to the payment page (a pay button pressed in a notice)."""
    bill_id, payment_id = payable.ids
    assert settings.pay_url is not None
    button = InlineKeyboardButton(t("pay.open_page"), url=pay_url(
        settings.pay_url, bill_id, payment_id, payable.amount))
    return Answer(t("pay.url_prompt", amount=fmt.rials(payable.amount)),
                  markup=InlineKeyboardMarkup([[button]]))


def not_payable_answer(payable: Payable | None) -> Answer | None:
    """Why this cannot be paid now (unknown, paid, replaced by a newer bill, closed), or
    None when it can."""
    if payable is None:
        return Answer(t("pay.unknown"))
    if payable.paid_at is not None:
        return Answer(paid_line(payable))
    if payable.superseded:
        return Answer(t("pay.superseded"))
    if not payable.open:
        return Answer(t("pay.closed"))
    return None


def paid_line(payable: Payable) -> str:
    """«paid on <date>, reference <ref>»."""
    assert payable.paid_at is not None
    date = fmt.jalali_date(payable.paid_at.astimezone(fmt.TEHRAN).date())
    if payable.paid_ref:
        return t("pay.paid_with_ref", date=date, reference=fmt.digits(payable.paid_ref))
    return t("pay.paid", date=date)
