"""Finding a subscription from a typed number, and proving ownership of it.

Used by the bill lookup (handlers/bills.py) and «my subscriptions» (handlers/subscriptions.py).

Privacy rule: a chat sees a subscription's bill details only through a verified link. A link
is created only once ownership is proven, in one of two ways, and records which:

* `phone`: the user shares their own contact with the `request_contact` button
  (`contact.user_id` must be the sender: a forwarded contact of someone else is refused)
  and its mobile equals the phone on file (both normalised with `normalize_mobile`). A
  shared own contact is stored as the chat's verified phone even when it does not match,
  and is reused without asking again for other subscriptions with that phone.
* `bill`: for tenants and family, whose phone is not the one on file: the payment ID of
  one of the subscription's last three bills (what the paper bill carries), checked
  against the subscription's own bill ID, throttled like every lookup. Its strength is
  that of holding a recent paper bill: the national payment ID is built from the amount,
  year and period, which the bank-style inquiry of the bill ID shows, so it keeps out
  those who only guess numbers, not those who saw the bill. Hence the owner's
  phone-proven chats are told at once (a short notice) and can remove such a link with
  one button (`own:revoke:<subscriber>:<chat>` → `own:revokeok:…`), and the removed chat
  is told.

Proofs are made only in the user's private chat (handlers/guards.py), so they are the user's.

The `phone` proof rests on the messenger filling `contact.user_id` itself: a contact card
someone forwards or picks from an address book names its owner, not the sender. Telegram
does so for the `request_contact` button. Bale documents the same field as optional
(`Contact.user_id`, "Contact's user identifier in Bale", in its Bot API and the SDKs that
mirror it) and says nothing about filling it for a shared own number. A contact without
`user_id` therefore proves nothing: the user is told so (`no_owner`) and a warning is
logged, so an operator sees at once if Bale never fills it; the `bill` proof still works
there. Accepting such a contact would let anyone "prove" any phone whose contact card
they have. (docs/reliability.md, «Suspicions settled».)
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.billing.view import city_name
from bot.domain.identifiers import (
    SERVICE_TYPES,
    BillId,
    IdentifierError,
    classify_number,
    parse_bill_and_payment,
    parse_bill_id,
    parse_payment_id,
)
from bot.notify import notices
from bot.runtime.app import Ctx
from bot.runtime.throttle import lookup_wait
from bot.store.models import Link, Subscriber
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import contact_request, inline, main_menu
from bot.text.normalise import digits_only
from bot.text.personal import normalize_mobile
from handlers.common import ID, answer_query, ensure_chat, reply, show

PROOF_BILLS = 3  # a payment ID of one of the subscription's last three bills proves it

log = logging.getLogger(__name__)
NUMBER_ERRORS = {
    "not_digits": "bills.errors.not_digits",
    "too_short": "bills.errors.too_short",
    "too_long": "bills.errors.too_long",
    "check_digit": "bills.errors.check_digit",
    "bad_county": "bills.errors.bad_county",
}
VERIFY_ERRORS = {
    "no_owner": "guard.contact_no_owner",
    "not_own": "subs.verify.not_own",
    "bad_phone": "subs.verify.bad_phone",
    "mismatch": "subs.verify.mismatch",
    "no_phone": "subs.verify.no_phone",
    "bad_payment_id": "own.bad_payment_id",
    "payment_mismatch": "own.payment_mismatch",
    "no_bills": "own.no_bills",
}


def number_error(error: IdentifierError) -> str:
    """The Persian message for a number that is neither a subscription number nor a bill ID."""
    if error.code == "service_type":
        name = SERVICE_TYPES.get(error.service_type or 0, "unknown")
        return t("bills.errors.service_type", service=t(f"bills.services.{name}"))
    return t(NUMBER_ERRORS.get(error.code, "bills.errors.not_digits"))


async def find_subscriber(update: Update, ctx: Ctx, text: str
                          ) -> tuple[Subscriber | None, str | None]:
    """The subscriber a typed subscription number or bill ID names, or (None, why not).

    Every well-formed number counts against `settings.lookups_per_minute` for the user
    (`number_throttled`, bot/runtime/throttle.py): the answer tells whether a number is on file,
    so numbers must not be enumerable. A bill ID with a valid check digit is nearly always a valid subscription number too, so
    a number that is not on file and whose service digit is another service (electricity,
    gas, …) gets a message naming both possibilities.
    """
    found = classify_number(text)
    if found.error is not None:
        return None, number_error(found.error)
    throttled = await number_throttled(update, ctx)
    if throttled:
        return None, throttled
    for candidate in found.candidates:
        if isinstance(candidate, BillId):
            subscriber = await ctx.store.subscriber_by_bill_id(candidate.digits)
        else:
            subscriber = await ctx.store.subscriber_by_number(candidate.digits)
        if subscriber is not None:
            return subscriber, None
    other = [e.service_type for e in found.errors
             if e.code == "service_type" and e.service_type in SERVICE_TYPES]
    if not other:
        return None, t("bills.unknown")
    service = t(f"bills.services.{SERVICE_TYPES[other[0] or 0]}")
    return None, t("bills.unknown_or_service", service=service)


async def number_throttled(update: Update, ctx: Ctx) -> str | None:
    """Count one lookup of a subscription number or bill ID by the user (every flow that
    looks one up calls this first): None when allowed, else the message to show."""
    who = update.effective_user.id if update.effective_user else update.effective_chat.id
    wait = await lookup_wait(ctx.store, ctx.settings, "number", who)
    return t("common.throttled", seconds=wait) if wait else None


def default_nickname(subscriber: Subscriber) -> str:
    """A nickname for a subscription linked without asking: its city and last four digits."""
    return t("subs.default_nickname", city=city_name(subscriber.schedule, subscriber.city),
             tail=fmt.digits(subscriber.subscription_number[-4:]))


async def owned(ctx: Ctx, chat_id: int, subscriber_id: int) -> Link | None:
    """The chat's verified link to a subscription, or None: the check before showing anything."""
    link = await ctx.store.link(chat_id, subscriber_id)
    return link if link is not None and link.verified else None


async def link_verified(
    ctx: Ctx, update: Update, subscriber: Subscriber, nickname: str, *, rename: bool = False,
    proof: str = "phone",
) -> None:
    """Link a subscription to the chat as proven (`proof`: phone or bill); an existing
    nickname is kept unless `rename`. A link proven with a bill tells the owner's
    phone-proven chats in the same transaction."""
    chat_id = update.effective_chat.id
    await ensure_chat(update, ctx)
    async with ctx.store.unit() as uow:
        await uow.prove_link(chat_id, subscriber.id, nickname, proof, rename=rename)
        if proof == "bill":
            owners = await uow.phone_proven_chats(subscriber.id)
            await notices.linked_by_bill(uow, subscriber.id, subscriber.subscription_number,
                                         chat_id, owners)


async def phone_on_record(ctx: Ctx, chat_id: int, subscriber: Subscriber) -> bool:
    """Whether the chat already proved the phone that is on file for the subscription."""
    chat = await ctx.store.chat(chat_id)
    on_file = normalize_mobile(subscriber.phone or "")
    return bool(chat and chat.phone and on_file and normalize_mobile(chat.phone) == on_file)


def has_phone(subscriber: Subscriber) -> bool:
    """Whether a usable mobile is on file (else ownership cannot be proven here)."""
    return normalize_mobile(subscriber.phone or "") is not None


async def check_contact(update: Update, ctx: Ctx, subscriber: Subscriber) -> str | None:
    """Check a shared contact against the phone on file: None when it proves ownership, else
    the error code (`no_owner`, `not_own`, `bad_phone`, `mismatch`, `no_phone`). An own
    contact is stored as the chat's verified phone."""
    contact = update.effective_message.contact
    user = update.effective_user
    if contact is not None and contact.user_id is None:
        log.warning("a shared contact names no user (%s): ownership cannot be proven",
                    ctx.profile.name.value)  # no phone or id in the log
        return "no_owner"
    if contact is None or user is None or contact.user_id != user.id:
        return "not_own"
    phone = normalize_mobile(contact.phone_number)
    if phone is None:
        return "bad_phone"
    await ensure_chat(update, ctx)
    await ctx.store.set_verified_phone(update.effective_chat.id, phone)
    on_file = normalize_mobile(subscriber.phone or "")
    if on_file is None:
        return "no_phone"
    return None if phone == on_file else "mismatch"


def verify_error(code: str) -> str:
    """The Persian message of a failed ownership check."""
    return t(VERIFY_ERRORS[code])


async def ask_proof(update: Update, subscriber: Subscriber, has_bills: bool) -> bool:
    """Ask for a proof: the phone button, and (when there are bills) a payment ID typed.
    False when neither is possible (no phone on file and no bill)."""
    if has_phone(subscriber):
        key = "own.ask_phone_or_payment" if has_bills else "subs.verify.ask"
        await reply(update, t(key), contact_request(t("subs.verify.button")))
        return True
    if has_bills:
        await reply(update, t("own.ask_payment_only"))
        return True
    await reply(update, verify_error("no_phone"), main_menu())
    return False


def typed_phone(text: str) -> bool:
    """Whether a typed message is a mobile number (the button must be used instead)."""
    return normalize_mobile(text) is not None


async def check_payment_proof(update: Update, ctx: Ctx, subscriber: Subscriber, text: str
                              ) -> str | None:
    """Check a typed payment ID (or the bill ID and payment ID, or the barcode) against the
    subscription's last three bills: None when it proves ownership, else the error code
    (`throttled:<seconds>`, `bad_payment_id`, `payment_mismatch`, `no_bills`)."""
    who = update.effective_user.id if update.effective_user else update.effective_chat.id
    wait = await lookup_wait(ctx.store, ctx.settings, "proof", who)
    if wait:
        return f"throttled:{wait}"
    bills = await ctx.store.bills(subscriber.id, limit=PROOF_BILLS)
    if not bills:
        return "no_bills"
    pair = parse_bill_and_payment(text)
    try:
        own_bill = parse_bill_id(subscriber.bill_id)
        if pair is not None:
            if pair[0].digits != own_bill.digits:
                return "payment_mismatch"
            payment_id = pair[1].digits
        else:
            payment_id = parse_payment_id(text, own_bill).digits
    except IdentifierError:
        return "bad_payment_id"
    return None if any(b.payment_id == payment_id for b in bills) else "payment_mismatch"


def proof_error(code: str) -> str:
    """The Persian message of a failed payment-ID proof."""
    if code.startswith("throttled:"):
        return t("common.throttled", seconds=int(code.split(":")[1]))
    return verify_error(code)


def looks_like_payment_id(text: str) -> bool:
    """A typed answer that should be checked as a payment ID (digits, not a mobile)."""
    return not typed_phone(text) and (digits_only(text) is not None
                                      or parse_bill_and_payment(text) is not None)


# --- the owner removes a link proven with a bill -------------------------------------------


async def _revoke_target(update: Update, ctx: Ctx) -> tuple[Link, int] | None:
    """(the owner's phone-proven link, the other chat) of a revoke button, or None."""
    _, _, sub_text, chat_text = update.callback_query.data.split(":")[:4]
    mine = await owned(ctx, update.effective_chat.id, int(sub_text))
    other = await ctx.store.link(int(chat_text), int(sub_text))
    if mine is None or mine.proof != "phone" or other is None or other.proof != "bill":
        await reply(update, t("own.revoke_nothing"), main_menu())
        return None
    return mine, int(chat_text)


async def confirm_revoke(update: Update, ctx: Ctx) -> None:
    """`own:revoke:<subscriber>:<chat>`: ask the owner before removing the other chat's link."""
    await answer_query(update)
    found = await _revoke_target(update, ctx)
    if found is None:
        return
    mine, other = found
    await show(update, ctx, t("own.revoke_confirm", nickname=mine.nickname), inline([[
        (t("own.button_revoke_yes"), f"own:revokeok:{mine.subscriber.id}:{other}"),
        (t("subs.button_keep"), "own:keep"),
    ]]))


async def revoke(update: Update, ctx: Ctx) -> None:
    """`own:revokeok:<subscriber>:<chat>`: remove the link and tell the chat that lost it."""
    await answer_query(update)
    found = await _revoke_target(update, ctx)
    if found is None:
        return
    mine, other = found
    async with ctx.store.unit() as uow:
        if await uow.remove_link(other, mine.subscriber.id):
            await notices.link_removed(uow, other, mine.subscriber.subscription_number)
    await show(update, ctx, t("own.revoked", nickname=mine.nickname), None)


async def keep(update: Update, ctx: Ctx) -> None:
    """`own:keep`: nothing removed."""
    await answer_query(update)
    await show(update, ctx, t("own.kept"), None)


def build() -> list:
    """The owner's buttons for links proven with a bill."""
    return [
        CallbackQueryHandler(confirm_revoke, pattern=rf"^own:revoke:{ID}:-?{ID}$"),
        CallbackQueryHandler(revoke, pattern=rf"^own:revokeok:{ID}:-?{ID}$"),
        CallbackQueryHandler(keep, pattern=r"^own:keep$"),
    ]
