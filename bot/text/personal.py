"""Personal identifiers: Iranian mobile numbers and the national ID (کد ملی)."""

from __future__ import annotations

import re

from bot.text.normalise import digits_only

_MOBILE = re.compile(r"^9\d{9}$")


def normalize_mobile(text: str) -> str | None:
    """An Iranian mobile as 09xxxxxxxxx, from 09…, 9…, +989…, 989… or 00989…; else None."""
    raw = (text or "").strip()
    plus = raw.startswith("+")
    number = digits_only(raw.lstrip("+"))
    if number is None:
        return None
    for prefix in ("0098", "98", "0"):
        if number.startswith(prefix) and _MOBILE.match(number[len(prefix):]):
            return "0" + number[len(prefix):]
    if not plus and _MOBILE.match(number):
        return "0" + number
    return None


def is_valid_national_id(text: str) -> bool:
    """Whether text is a valid 10-digit national ID (check digit: mod 11, weights 10..2)."""
    number = digits_only(text or "")
    if number is None or len(number) != 10 or len(set(number)) == 1:
        return False
    total = sum(int(number[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    check = remainder if remainder < 2 else 11 - remainder
    return check == int(number[9])


def normalize_national_id(text: str) -> str | None:
    """The national ID as 10 ASCII digits if valid, else None."""
    number = digits_only(text or "")
    return number if number and is_valid_national_id(number) else None
