"""Personal identifiers and names: Iranian mobile and landline numbers, the national ID
(کد ملی) and a person's name in Persian letters."""

from __future__ import annotations

import re

from bot.text.normalise import digits_only, normalize_text

# Iranian mobile numbers are 09 + 9 digits, and only some operator prefixes exist:
# 0901-0905, 0930-0939, 0941 (Irancell), 0910-0919, 0990-0999 (MCI and the MVNOs on 099),
# 0920-0922 (Rightel). 0906-0909, 094x but 0941, 095x-098x are not mobile prefixes.
_MOBILE = re.compile(r"^9(?:0[1-5]|1\d|2[0-2]|3\d|41|9\d)\d{7}$")
# A landline: 0 + area code (its first digit 1-8) + subscriber number, 11 digits in all.
_LANDLINE = re.compile(r"^0[1-8]\d{9}$")
# National IDs are 10 digits; people often drop the leading zeros (8 or 9 digits typed).
_NATIONAL_ID_MIN = 8
# A name: Persian letters (with the Arabic forms Persian keyboards produce), spaces, ZWNJ,
# hyphen and the dot of initials; at least two letters.
_NAME_LETTERS = ("\u0621-\u063a\u0641-\u064a"  # Arabic-script letters (ء … ي)
                 "\u067e\u0686\u0698\u06a9\u06af\u06cc\u06c0"  # پ چ ژ ک گ ی ۀ
                 "\u064b-\u0655\u0670")  # short vowels and tanvin some people write
_NAME = re.compile(rf"^[{_NAME_LETTERS}][{_NAME_LETTERS}\s\u200c\-.]*$")


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


def normalize_phone(text: str) -> str | None:
    """A mobile (as normalize_mobile) or a landline with its area code (0xxxxxxxxxx)."""
    mobile = normalize_mobile(text)
    if mobile is not None:
        return mobile
    raw = (text or "").strip()
    number = digits_only(raw.lstrip("+"))
    if number is None:
        return None
    for prefix in ("0098", "98"):
        if number.startswith(prefix) and (raw.startswith("+") or prefix == "0098"):
            number = "0" + number[len(prefix):]
    return number if _LANDLINE.match(number) else None


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
    """The national ID as 10 ASCII digits if valid (leading zeros may be left out), else None."""
    number = digits_only(text or "")
    if number is None or not _NATIONAL_ID_MIN <= len(number) <= 10:
        return None
    number = number.zfill(10)
    return number if is_valid_national_id(number) else None


def normalize_name(text: str) -> str | None:
    """A person's name in Persian letters (Arabic ي/ك made Persian, spaces collapsed), or None
    when it has digits, Latin letters or other signs, or fewer than two letters."""
    name = normalize_text(text or "")
    letters = sum(1 for c in name if not c.isspace() and c not in "\u200c-.")
    return name if _NAME.match(name) and letters >= 2 else None
