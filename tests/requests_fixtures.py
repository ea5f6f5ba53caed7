"""Test helpers for service requests: a subscriber on file, valid answers, a full request."""

from __future__ import annotations

from typing import Any

from bot.domain.identifiers import BillId, SubscriptionNumber
from bot.services import catalog
from bot.services.catalog import FieldSpec, Service
from bot.services.drafts import plan
from bot.store.interface import Store
from bot.store.models import Subscriber
from bot.text.normalise import to_persian_digits
from bot.tools.simulator import ApiCall, SimUser

NATIONAL_ID = "0013542419"
MOBILE = "۰۹۱۲۳۴۵۶۷۸۹"
NAME = "علی رضایی"


async def seed_subscriber(store: Store, **overrides: Any) -> Subscriber:
    """A Tabriz household subscriber with a valid subscription number."""
    serial = await store.subscribers_count() + 1
    number = SubscriptionNumber.build("11", "0003", f"{serial:05d}")
    row: dict[str, Any] = {
        "subscription_number": number.digits, "bill_id": BillId.build(f"{7300 + serial}").digits,
        "name": "نرگس احمدی", "national_id": "0499370899", "phone": "09121112233",
        "schedule": "east-azarbaijan-urban-1398", "city": "tabriz", "zone": 3,
        "address": "تبریز، خیابان ولیعصر، کوچه ۵", "usage": "household", "units": 1,
        "non_residential_units": 0, "diameter": "1/2",
        "has_sewage": False, **overrides,
    }
    await store.add_subscribers([row])
    found = await store.subscriber_by_number(number.digits)
    assert found is not None
    return found


def valid_answer(spec: FieldSpec) -> str:
    """An answer the field accepts, typed as a Persian user would."""
    if spec.kind == "number":
        return to_persian_digits(str(spec.min or 1))
    if spec.kind == "mobile":
        return MOBILE
    if spec.kind == "national_id":
        return to_persian_digits(NATIONAL_ID)
    if spec.kind == "name":
        return NAME
    if spec.kind == "phone":
        return "۰۴۱۳۳۳۱۸۸۷۱"
    if spec.kind in {"choice", "city"}:
        return spec.choices()[0].label
    return "خیابان آزادی، کوچه بهار، پلاک ۱۲"[: max(spec.max or 60, 10)]


async def answer_step(user: SimUser, svc: Service, kind: str, item: str | None,
                      subscription: str | None) -> list[ApiCall]:
    """Answer one step of a request correctly (documents as a photo or a small PDF)."""
    if kind == "subscription":
        assert subscription is not None
        return await user.send(to_persian_digits(subscription))
    if kind == "applicant":
        spec = next(f for f in catalog.applicant_fields() if f.id == item)
        return await user.send(valid_answer(spec))
    if kind == "field":
        spec = svc.field(item or "")
        assert spec is not None
        return await user.send(valid_answer(spec))
    if kind == "location":
        return await user.share_location(35.70, 51.40)
    if kind == "document":
        doc = svc.document(item or "")
        assert doc is not None
        if "photo" in doc.media:
            return await user.send_photo()
        return await user.send_document(f"{doc.id}.pdf", "application/pdf", 200_000)
    return await user.tap("تأیید")


async def submit_request(user: SimUser, svc: Service, subscription: str | None) -> list[ApiCall]:
    """Start a request for the service and answer every step; the last replies."""
    replies = await user.press(f"svc:start:{svc.id}")
    for step in plan(svc):
        replies = await answer_step(user, svc, step.kind, step.item, subscription)
    return replies
