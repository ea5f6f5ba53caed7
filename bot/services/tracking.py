"""Tracking codes (کد رهگیری): random, 11 digits, the last a Damm check digit.

* Unguessable and not sequential: 10 digits from `secrets` (first one non-zero), so
  9×10⁹ codes; uniqueness is enforced by the UNIQUE column (the store retries).
* The check digit uses the Damm algorithm (a totally anti-symmetric quasigroup of order
  10): it detects every single-digit error and every adjacent transposition, which
  the mod-11 bill check does not fully do. A random 11-digit guess passes the check
  one time in ten, so lookups are also throttled (handlers/tracking.py).
* Easy to read aloud: shown as three groups, 4-3-4, in Persian digits
  (۴۰۵۱-۲۳۴-۵۶۷۸); parsed from any digits with spaces or dashes.
"""

from __future__ import annotations

import secrets

from bot.text import digits_only, to_persian_digits

CODE_LENGTH = 11
GROUPS = (4, 3, 4)

# Damm's quasigroup table (H. M. Damm, 2004): row = interim digit, column = next digit.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


class TrackingCodeError(ValueError):
    """A typed tracking code is wrong: code is not_digits, wrong_length or check_digit."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def damm_digit(digits: str) -> int:
    """The Damm check digit of a string of ASCII digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def is_valid(digits: str) -> bool:
    """Whether an all-digit code of the right length ends in its Damm check digit."""
    return (len(digits) == CODE_LENGTH and digits.isdigit() and digits.isascii()
            and damm_digit(digits) == 0)


def new_code() -> str:
    """A fresh random tracking code (11 ASCII digits, first non-zero, Damm check last)."""
    body = str(1 + secrets.randbelow(9)) + "".join(
        str(secrets.randbelow(10)) for _ in range(CODE_LENGTH - 2)
    )
    return body + str(damm_digit(body))


def parse_code(text: str) -> str:
    """The code a user typed (any digits, spaces, dashes) as 11 ASCII digits.

    Raises TrackingCodeError: not_digits, wrong_length or check_digit (a digit is wrong).
    """
    digits = digits_only(text or "")
    if not digits:
        raise TrackingCodeError("not_digits")
    if len(digits) != CODE_LENGTH:
        raise TrackingCodeError("wrong_length")
    if damm_digit(digits) != 0:
        raise TrackingCodeError("check_digit")
    return digits


def format_code(code: str) -> str:
    """The code grouped for reading aloud, in Persian digits: ۴۰۵۱-۲۳۴-۵۶۷۸."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return to_persian_digits("-".join(parts))
