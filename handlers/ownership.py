"""Finding a subscription from a typed number, and proving ownership by phone contact.

Used by the bill lookup (handlers/bills.py) and «my subscriptions» (handlers/subscriptions.py).

Privacy rule: a chat sees a subscription's bill details only through a verified link. A link
is created only once ownership is proven: the user shares their own contact with the
`request_contact` button (`contact.user_id` must be the sender: a forwarded contact of someone
else is refused) and its mobile equals the phone on file (both normalised with
`normalize_mobile`). A shared own contact is stored as the chat's verified phone even when it
does not match, and is reused without asking again for other subscriptions with that phone.
"""

from __future__ import annotations

from telegram import Update

from bot.app import Ctx
from bot.billing.view import city_name
from bot.identifiers import SERVICE_TYPES, BillId, IdentifierError, classify_number
from bot.store.models import Link, Subscriber
from bot.text import fmt
from bot.text.i18n import t
from bot.text.keyboards import contact_request
from bot.text.personal import normalize_mobile
from bot.throttle import limiter_for
from handlers.common import ensure_chat, reply

NUMBER_ERRORS = {
    "not_digits": "bills.errors.not_digits",
    "too_short": "bills.errors.too_short",
    "too_long": "bills.errors.too_long",
    "check_digit": "bills.errors.check_digit",
    "bad_county": "bills.errors.bad_county",
}
VERIFY_ERRORS = {
    "not_own": "subs.verify.not_own",
    "bad_phone": "subs.verify.bad_phone",
    "mismatch": "subs.verify.mismatch",
    "no_phone": "subs.verify.no_phone",
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
    (bot/throttle.py): the answer tells whether a number is on file, so numbers must not
    be enumerable. A bill ID with a valid check digit is nearly always a valid subscription number too, so
    a number that is not on file and whose service digit is another service (electricity,
    gas, …) gets a message naming both possibilities.
    """
    found = classify_number(text)
    if found.error is not None:
        return None, number_error(found.error)
    who = update.effective_user.id if update.effective_user else update.effective_chat.id
    wait = limiter_for(ctx.application, "number", ctx.settings.lookups_per_minute).wait(who)
    if wait:
        return None, t("common.throttled", seconds=wait)
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


def default_nickname(subscriber: Subscriber) -> str:
    """A nickname for a subscription linked without asking: its city and last four digits."""
    return t("subs.default_nickname", city=city_name(subscriber.schedule, subscriber.city),
             tail=fmt.digits(subscriber.subscription_number[-4:]))


async def owned(ctx: Ctx, chat_id: int, subscriber_id: int) -> Link | None:
    """The chat's verified link to a subscription, or None: the check before showing anything."""
    link = await ctx.store.link(chat_id, subscriber_id)
    return link if link is not None and link.verified else None


async def link_verified(
    ctx: Ctx, update: Update, subscriber: Subscriber, nickname: str, *, rename: bool = False
) -> None:
    """Link a subscription to the chat as proven; an existing nickname is kept unless `rename`."""
    chat_id = update.effective_chat.id
    await ensure_chat(update, ctx)
    existing = await ctx.store.link(chat_id, subscriber.id)
    keep = existing is not None and not rename
    await ctx.store.link_subscription(chat_id, subscriber.id,
                                      existing.nickname if keep and existing else nickname)
    await ctx.store.verify_link(chat_id, subscriber.id)


async def phone_on_record(ctx: Ctx, chat_id: int, subscriber: Subscriber) -> bool:
    """Whether the chat already proved the phone that is on file for the subscription."""
    chat = await ctx.store.chat(chat_id)
    on_file = normalize_mobile(subscriber.phone or "")
    return bool(chat and chat.phone and on_file and normalize_mobile(chat.phone) == on_file)


def has_phone(subscriber: Subscriber) -> bool:
    """Whether a usable mobile is on file (else ownership cannot be proven here)."""
    return normalize_mobile(subscriber.phone or "") is not None


async def ask_contact(update: Update) -> None:
    """Explain why and show the button that shares the user's own phone."""
    await reply(update, t("subs.verify.ask"), contact_request(t("subs.verify.button")))


async def check_contact(update: Update, ctx: Ctx, subscriber: Subscriber) -> str | None:
    """Check a shared contact against the phone on file: None when it proves ownership, else
    the error code (`not_own`, `bad_phone`, `mismatch`, `no_phone`). An own contact is stored
    as the chat's verified phone."""
    contact = update.effective_message.contact
    user = update.effective_user
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
