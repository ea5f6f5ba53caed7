"""Links that open the bot on a bill's inquiry, for the paper bill and its QR code.

Both messengers take a start parameter in a link to a bot: Telegram's
`https://t.me/<bot>?start=<payload>` and Bale's `https://ble.ir/<bot>?start=<payload>`;
the bot then receives `/start <payload>`. A payload may only hold letters, digits, `_` and
`-` (at most 64), so it is the subscription number or bill ID, or the bill ID and payment ID
joined by `_` (one bill: a QR code printed on that bill). handlers/bills.py answers it
with the bill inquiry.
"""

from __future__ import annotations

import re

from bot.domain.identifiers import classify_number, parse_bill_and_payment
from bot.runtime.settings import Platform
from bot.text.normalise import digits_only

HOSTS = {Platform.TELEGRAM: "https://t.me", Platform.BALE: "https://ble.ir"}
_PAYLOAD = re.compile(r"^\d{6,15}(?:_\d{6,13})?$")


class LinkError(ValueError):
    """A number that no link can carry: not a subscription number, bill ID or pair."""


def payload_for(number: str, payment_id: str | None = None) -> str:
    """The start parameter for a subscription number or bill ID (and a payment ID)."""
    digits = digits_only(number)
    if digits is None:
        raise LinkError(number)
    if payment_id is not None:
        pair = parse_bill_and_payment(f"{digits} {payment_id}")
        if pair is None:
            raise LinkError(f"{number} {payment_id}")
        return f"{pair[0].digits}_{pair[1].digits}"
    if not classify_number(digits).candidates:
        raise LinkError(number)
    return digits


def link_for(platform: Platform, username: str, payload: str) -> str:
    """The link that opens this bot with `/start <payload>`."""
    return f"{HOSTS[platform]}/{username.lstrip('@')}?start={payload}"


def number_of(payload: str) -> str | None:
    """The number(s) a start parameter carries, as the inquiry reads them; None if the
    payload is not one of ours (e.g. another campaign's)."""
    text = (payload or "").strip()
    if not _PAYLOAD.match(text):
        return None
    return text.replace("_", " ")
