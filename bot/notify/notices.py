"""Notices: each puts its message(s) in the outbox inside the caller's unit of work.

Call them with the unit of work (`store.unit()`, bot/store/unit.py) that makes the
change, so the change and its notice are committed together (or not at all). Each message has a dedupe key,
so running the same event twice never sends it twice. Request notices go to the
applicant's chat; subscription notices (bill, reminder, consumption, outage) go to the
chats that proved ownership of the subscription (verified links, not blocked).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.identifiers import format_code
from bot.store.interface import Store
from bot.store.models import Subscriber
from bot.store.outbox import NewMessage
from bot.store.unit import Unit
from bot.text import fmt
from bot.text.fmt import now_utc
from bot.text.i18n import t
from bot.text.normalise import to_ascii_digits
from tariffs import TariffError, above_pattern, list_schedules, pattern_for

BATCH = 100  # rows a job formats and writes at a time: the loop and the writer are held
# for a few milliseconds each time (docs/performance.md, bill day)
PAUSE = 0.01  # seconds a job leaves to the handlers between two batches

# A reading or bill is "far above the pattern" when its use exceeds the allowed use
# (pattern × units × days / 30, or the contract capacity for non-household use) by this
# factor: 1.5 means 50 % above what is allowed.
ALERT_RATIO = Decimal("1.5")
# Callback data of the applicant's buttons (handlers/my_requests.py checks the chat owns it).
SHOW_REQUEST = "req:show:{id}"
SEND_DOCUMENT = "req:doc:{id}"
# The pay button of a bill or invoice, named by its national IDs (handlers/payments.py).
PAY = "pay:{bill_id}:{payment_id}"
# The satisfaction stars under a closing notice (handlers/ratings.py) and the owner's
# button that removes a link proven with a bill (handlers/ownership.py).
RATE = "rate:{id}:{stars}"
REVOKE = "own:revoke:{subscriber}:{chat}"


@dataclass(frozen=True)
class RequestRef:
    """What a request notice needs: whom to tell and how to name the request."""

    id: int
    chat_id: int
    code: str
    service_title: str


def request_button(request_id: int, *, send_document: bool = False) -> dict[str, Any]:
    """An inline keyboard (as the Bot API's JSON) with a button that opens the request,
    or that starts sending the document an operator asked for."""
    if send_document:
        label, data = t("notify.button_send_document"), SEND_DOCUMENT.format(id=request_id)
    else:
        label, data = t("notify.button_open"), SHOW_REQUEST.format(id=request_id)
    return {"inline_keyboard": [[{"text": label, "callback_data": data}]]}


def pay_row(bill_id: str, payment_id: str) -> list[dict[str, str]]:
    """One row with the pay button of a bill or invoice (JSON of the Bot API)."""
    return [{"text": t("notify.button_pay"),
             "callback_data": PAY.format(bill_id=bill_id, payment_id=payment_id)}]


def rating_row(request_id: int) -> list[dict[str, str]]:
    """Five buttons, one to five stars."""
    return [{"text": t("notify.button_stars", stars=stars),
             "callback_data": RATE.format(id=request_id, stars=stars)} for stars in range(1, 6)]


def _sms(body: str, note: str | None = None) -> str:
    """The short message: body, optional note, signature."""
    lines = [body]
    if note:
        lines.append(t("notify.note", note=note))
    lines.append(t("notify.signature"))
    return "\n".join(lines)


async def _to_request(uow: Unit, ref: RequestRef, kind: str, event: int,
                      text: str, extra_row: list[dict[str, str]] | None = None) -> int | None:
    markup = request_button(ref.id, send_document=kind == "document")
    if extra_row:
        markup["inline_keyboard"].append(extra_row)
    return await uow.enqueue(chat_id=ref.chat_id, kind=kind, text=text, reply_markup=markup,
                         request_id=ref.id, dedupe_key=f"{kind}:{ref.id}:{event}")


async def stage_changed(uow: Unit, ref: RequestRef, stage_title: str,
                        note: str | None, event: int) -> int | None:
    """The request reached a stage (`event`: the stage-history row id)."""
    text = _sms(t("notify.stage", service=ref.service_title, code=format_code(ref.code),
                  stage=stage_title), note)
    return await _to_request(uow, ref, "stage", event, text)


async def invoice_issued(uow: Unit, ref: RequestRef, amount: int,
                         note: str | None, event: int, *, bill_id: str, payment_id: str
                         ) -> int | None:
    """An invoice was issued for the request (`event`: the audit row id), with its national
    bill ID and payment ID and a pay button."""
    text = _sms(t("notify.invoice", service=ref.service_title, code=format_code(ref.code),
                  amount=fmt.rials(amount), bill_id=fmt.digits(bill_id),
                  payment_id=fmt.digits(payment_id)), note)
    return await _to_request(uow, ref, "invoice", event, text, pay_row(bill_id, payment_id))


async def invoice_paid(uow: Unit, ref: RequestRef, amount: int, reference: str,
                       paid_at: dt.datetime, event: int, *, payer_chat: int | None,
                       ids: tuple[str, str]) -> int | None:
    """The request's invoice was paid: a receipt with the reference to the applicant, and
    a receipt without the request's details to a payer in another chat."""
    text = _sms(t("notify.invoice_paid", service=ref.service_title, code=format_code(ref.code),
                  amount=fmt.rials(amount), date=fmt.jalali_datetime(paid_at),
                  reference=fmt.digits(reference)))
    if payer_chat is not None and payer_chat != ref.chat_id:
        await uow.enqueue(chat_id=payer_chat, kind="receipt", text=receipt_text(
            ids, amount, paid_at, reference), dedupe_key=f"receipt:{ref.id}:{event}:{payer_chat}")
    return await _to_request(uow, ref, "paid", event, text)


def receipt_text(ids: tuple[str, str], amount: int, paid_at: dt.datetime, reference: str) -> str:
    """A receipt naming only what the payer typed or saw: the IDs, amount, time, reference."""
    return _sms(t("notify.receipt", bill_id=fmt.digits(ids[0]), payment_id=fmt.digits(ids[1]),
                  amount=fmt.rials(amount), date=fmt.jalali_datetime(paid_at),
                  reference=fmt.digits(reference)))


async def document_requested(uow: Unit, ref: RequestRef, document_title: str,
                             note: str | None, event: int) -> int | None:
    """The applicant must send a missing or unreadable document."""
    text = _sms(t("notify.document", service=ref.service_title, code=format_code(ref.code),
                  document=document_title), note)
    return await _to_request(uow, ref, "document", event, text)


async def request_rejected(uow: Unit, ref: RequestRef, reason: str,
                           event: int) -> int | None:
    """The request was rejected, with the reason."""
    text = _sms(t("notify.rejected", service=ref.service_title, code=format_code(ref.code),
                  reason=reason))
    return await _to_request(uow, ref, "rejected", event, text)


async def request_closed(uow: Unit, ref: RequestRef, note: str | None,
                         event: int) -> int | None:
    """The request is done and closed; the same message asks, once, for 1-5 stars."""
    text = _sms(t("notify.closed", service=ref.service_title, code=format_code(ref.code)), note)
    text += "\n" + t("notify.rate_question")
    return await _to_request(uow, ref, "closed", event, text, rating_row(ref.id))


async def request_late(uow: Unit, ref: RequestRef, due: str) -> int | None:
    """The request passed its expected date: say so once (dedupe key `late:<request>`)."""
    text = _sms(t("notify.late", service=ref.service_title, code=format_code(ref.code), due=due))
    return await uow.enqueue(chat_id=ref.chat_id, kind="late", text=text,
                         reply_markup=request_button(ref.id), request_id=ref.id,
                         dedupe_key=f"late:{ref.id}")


async def new_request_alert(uow: Unit, operators_chat: int, ref: RequestRef,
                            kind: str) -> int | None:
    """Tell the operators' group about a new request or incident (once per request)."""
    key = "notify.alert_incident" if kind == "incident" else "notify.alert_request"
    text = t(key, service=ref.service_title, code=format_code(ref.code))
    markup = {"inline_keyboard": [[{"text": t("notify.button_review"),
                                    "callback_data": f"op:open:{ref.code}"}]]}
    return await uow.enqueue(chat_id=operators_chat, kind="alert", text=text,
                         reply_markup=markup, request_id=ref.id, dedupe_key=f"alert:{ref.id}")


# subscriptions ---------------------------------------------------------------------------
def _day(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _bill_params(number: str, bill: Mapping[str, Any]) -> dict[str, str]:
    return {"period": fmt.digits(bill["period"]), "year": fmt.digits(bill["year"]),
            "number": fmt.digits(number), "amount": fmt.rials(int(bill["payable"])),
            "due": fmt.jalali_date(_day(bill["due_date"])), "bill_id": fmt.digits(bill["bill_id"]),
            "payment_id": fmt.digits(bill["payment_id"])}


def _bill_markup(bill: Mapping[str, Any]) -> dict[str, Any] | None:
    if not bill["payment_id"]:
        return None
    return {"inline_keyboard": [pay_row(bill["bill_id"], bill["payment_id"])]}


async def enqueue_new_bill(uow: Unit, subscriber_id: int,
                           bill: Mapping[str, Any]) -> int:
    """A new bill was issued: tell the subscription's chats. `bill` is a row of the bills
    table as a mapping (id, year, period, payable, due_date, bill_id, payment_id).
    Returns how many messages were queued."""
    subscriber = await uow.subscriber(subscriber_id)
    number = subscriber.subscription_number if subscriber else ""
    text = _sms(t("notify.bill", **_bill_params(number, bill)))
    queued = 0
    for chat_id in await uow.verified_chats(subscriber_id):
        if await uow.enqueue(chat_id=chat_id, kind="bill", text=text,
                         reply_markup=_bill_markup(bill),
                         dedupe_key=f"bill:{bill['id']}:{chat_id}"):
            queued += 1
    return queued


async def bill_paid(uow: Unit, bill: Mapping[str, Any], reference: str,
                    paid_at: dt.datetime, event: int, *, payer_chat: int | None = None) -> int:
    """A bill was paid (`event`: the payment row id): a receipt with the reference to the
    subscription's verified chats and to the paying chat. Returns how many were queued."""
    text = _sms(t("notify.bill_paid", period=fmt.digits(bill["period"]),
                  year=fmt.digits(bill["year"]), bill_id=fmt.digits(bill["bill_id"]),
                  amount=fmt.rials(int(bill["payable"])), date=fmt.jalali_datetime(paid_at),
                  reference=fmt.digits(reference)))
    chats = await uow.verified_chats(bill["subscriber_id"])
    if payer_chat is not None and payer_chat not in chats:
        chats.append(payer_chat)
    queued = 0
    for chat_id in chats:
        if await uow.enqueue(chat_id=chat_id, kind="receipt", text=text,
                         dedupe_key=f"receipt:bill:{event}:{chat_id}"):
            queued += 1
    return queued


async def linked_by_bill(uow: Unit, subscriber_id: int, number: str,
                         chat_id: int, owners: list[int]) -> int:
    """Someone linked the subscription with a bill's payment ID: a short notice to the
    owner's phone-proven chats, with a button that removes that link."""
    text = _sms(t("notify.linked_by_bill", number=fmt.digits(number)))
    markup = {"inline_keyboard": [[{"text": t("notify.button_revoke"), "callback_data":
                                    REVOKE.format(subscriber=subscriber_id, chat=chat_id)}]]}
    queued = 0
    for owner in owners:
        if owner != chat_id and await uow.enqueue(
                chat_id=owner, kind="link_notice", text=text, reply_markup=markup,
                dedupe_key=f"linked:{subscriber_id}:{chat_id}:{owner}:{now_utc().isoformat()}"):
            queued += 1
    return queued


async def enqueue_due_reminders(store: Store, today: dt.date, days: int,
                                batch: int = BATCH) -> int:
    """Remind of every unpaid bill due within `days` days from `today` (once per bill and
    chat: a missed day is caught up, a repeated run sends nothing twice).

    The targets are read page by page outside any transaction and each page is queued in
    its own short unit, so the handlers' writes wait for one page at most, memory holds
    one page, and a run stopped half-way (cancelled, killed) is finished by the next run:
    the dedupe keys skip what was already queued."""
    queued, after = 0, 0
    last = today + dt.timedelta(days=days)
    while after is not None:
        page, after = await store.reminder_page(today, last, after, batch)
        messages = []
        for index, (due, number, chat_id) in enumerate(page):
            if index % 10 == 9:
                await asyncio.sleep(0)  # let the handlers' updates through between texts
            bill = vars(due)
            messages.append(NewMessage(
                chat_id, "reminder", _sms(t("notify.reminder", **_bill_params(number, bill))),
                reply_markup=_bill_markup(bill), dedupe_key=f"reminder:{bill['id']}:{chat_id}"))
        if messages:
            async with store.unit() as uow:  # the texts are ready: the writer is held briefly
                queued += await uow.enqueue_batch(messages)
            await asyncio.sleep(PAUSE)
    return queued


def allowed_use(subscriber: Subscriber, days: int) -> Decimal | None:
    """The use allowed in `days` days: the pattern for household use, the contract capacity
    otherwise; None when neither is known."""
    if days <= 0:
        return None
    try:
        pattern = pattern_for(subscriber.schedule, subscriber.city, subscriber.usage)
    except TariffError:
        if subscriber.contract_capacity:
            return subscriber.contract_capacity * days / 30
        return None
    return above_pattern(pattern, 0, days, subscriber.units).allowed


async def consumption_alert(uow: Unit, subscriber: Subscriber,
                            consumption: Decimal | int, days: int, *, ref: str) -> int:
    """Warn the subscription's chats when a self-reading or bill shows use far above the
    allowed use (more than ALERT_RATIO times it). `ref` names the event for the dedupe key
    (e.g. "reading:123" or "bill:45"). Returns how many messages were queued."""
    allowed = allowed_use(subscriber, days)
    use = Decimal(consumption)
    if not allowed or use <= allowed * ALERT_RATIO:
        return 0
    text = _sms(t("notify.consumption", number=fmt.digits(subscriber.subscription_number),
                  consumption=fmt.number(use, 1 if use % 1 else 0), days=days,
                  allowed=fmt.number(allowed, 1), ratio=fmt.number(use / allowed, 1)))
    queued = 0
    for chat_id in await uow.verified_chats(subscriber.id):
        if await uow.enqueue(chat_id=chat_id, kind="consumption", text=text,
                         dedupe_key=f"consumption:{ref}:{chat_id}"):
            queued += 1
    return queued


async def link_removed(uow: Unit, chat_id: int, number: str) -> int | None:
    """The owner removed this chat's link proven with a bill: tell it."""
    return await uow.enqueue(chat_id=chat_id, kind="link_removed", text=_sms(
        t("notify.link_removed", number=fmt.digits(number))))


# planned outages -------------------------------------------------------------------------
@dataclass(frozen=True)
class Outage:
    """A planned water cut in a city (or one zone of it)."""

    city: str
    zone: int | None
    start: dt.datetime
    end: dt.datetime
    reason: str


def city_name(city: str) -> str | None:
    """The Persian name of a city id of any tariff schedule, or None if unknown."""
    for schedule in list_schedules():
        if city in schedule.cities:
            return schedule.cities[city].name
    return None


def outage_text(outage: Outage) -> str:
    """The notice for a planned outage."""
    name = city_name(outage.city) or outage.city
    place = (t("notify.outage_zone", city=name, zone=outage.zone) if outage.zone is not None
             else name)
    return _sms(t("notify.outage", place=place, start=fmt.jalali_datetime(outage.start),
                  end=fmt.jalali_datetime(outage.end), reason=outage.reason))


async def enqueue_outage(store: Store, outage: Outage, actor: str,
                         batch: int = BATCH) -> tuple[int, int]:
    """Record the outage in the audit trail and queue its notice to every chat of the area,
    a page of chats per short unit. Returns (audit id, messages queued).

    The dedupe key names the outage by its area and times, not by the audit row, so
    announcing it again (after a stop half-way, or twice by mistake) reaches only the chats
    not reached yet."""
    async with store.unit() as uow:
        event = await uow.add_audit(actor, "outage", {
            "city": outage.city, "zone": outage.zone, "start": outage.start.isoformat(),
            "end": outage.end.isoformat(), "reason": outage.reason})
    text, queued, after = outage_text(outage), 0, 0
    ident = f"outage:{outage.city}:{outage.zone}:{outage.start.isoformat()}:" \
            f"{outage.end.isoformat()}"
    while chats := await store.outage_chat_page(outage.city, outage.zone, after, batch):
        async with store.unit() as uow:
            queued += await uow.enqueue_many(kind="outage", text=text, chats=[
                (chat_id, f"{ident}:{chat_id}") for chat_id in chats])
        after = chats[-1]
    return event, queued


# The outage reason an operator may type (bot and CLI): the notice is an SMS-like message,
# and with this limit it stays far inside the Bot API's 4,096 characters.
MIN_OUTAGE_REASON, MAX_OUTAGE_REASON = 3, 200


class OutageError(ValueError):
    """An outage announcement could not be read; `code` names the problem."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_moment(day_text: str, clock_text: str) -> dt.datetime | None:
    """A Jalali day and HH:MM (any digits) in Tehran time, or None."""
    day = fmt.parse_jalali(day_text)
    match = _CLOCK.match(to_ascii_digits(clock_text).strip())
    if day is None or match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return dt.datetime.combine(day.togregorian(), dt.time(int(match[1]), int(match[2])),
                               tzinfo=fmt.TEHRAN)


def build_outage(city: str, zone: int | None, start: dt.datetime | None,
                 end: dt.datetime | None, reason: str, now: dt.datetime | None = None) -> Outage:
    """Check and build an outage of a city id (and zone) of the tariffs. OutageError codes:
    place, time (no start or end), order (end not after start), past (a day before today,
    or an end already gone), reason (not 3-200 characters once spaces are collapsed)."""
    if city_name(city) is None:
        raise OutageError("place")
    if start is None or end is None:
        raise OutageError("time")
    if end <= start:
        raise OutageError("order")
    moment = now or now_utc()
    if start.astimezone(fmt.TEHRAN).date() < moment.astimezone(fmt.TEHRAN).date() or end <= moment:
        raise OutageError("past")
    text = " ".join(reason.split())
    if not MIN_OUTAGE_REASON <= len(text) <= MAX_OUTAGE_REASON:
        raise OutageError("reason")
    return Outage(city, zone, start, end, text)
