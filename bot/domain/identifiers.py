"""Subscription numbers, bill IDs, payment IDs, bill barcodes and tracking codes: parse,
check, build.

Pure functions, no I/O. Every parser accepts Persian (۰-۹), Arabic-Indic (٠-٩)
and ASCII digits with spaces, dashes and the other separators that
`bot.text.normalise.digits_only` removes.

The check digit (`check_digit`) is the national bill-ID standard used by every
Iranian bank: walk the digits from the right with weights 2,3,4,5,6,7,2,3,…;
sum mod 11; remainder 0 or 1 gives 0, else 11 − remainder. Because the weights
are never a multiple of 11, changing one digit always changes the remainder,
but remainders 0 and 1 both give check digit 0: a single-digit change that
moves the remainder between 0 and 1 is NOT detected. That is the standard's
only blind spot for single-digit errors (tests/test_identifiers.py states it
as a property).

Lengths (all counted in digits after removing separators):

* subscription number: 2 county + 4 village + 1–8 serial + 1 check = 8–15.
  Leading zeros are significant (county codes may start with 0).
* bill ID: 6–13 (the standard's range); payment ID: 6–13. Both are numbers in
  the standard, so leading zeros are dropped before checking (a barcode pads
  them to 13 digits).
* barcode: exactly 26 = bill ID and payment ID, each left-padded to 13.

`IdentifierError.code` values (the bot maps each to a Persian message):

* ``not_digits``      - empty, or something other than digits and separators
* ``too_short``       - fewer digits than the identifier allows
* ``too_long``        - more digits than the identifier allows
* ``check_digit``     - the last digit is not the check of the digits before it
                        (subscription number, bill ID)
* ``bad_county``      - subscription number with county code 00
* ``service_type``    - bill ID whose check passes but whose service digit is
                        not the one expected (e.g. an electricity bill where a
                        water bill is expected) or is unknown (0, 7);
                        ``IdentifierError.service_type`` holds the digit found
* ``payment_check_1`` - payment ID's first check digit is wrong (typo in the
                        payment ID itself)
* ``payment_check_2`` - payment ID's second check digit is wrong: the payment
                        ID is not the one of this bill ID (or a typo in either)

`IdentifierError.kind` says which identifier failed: ``subscription``,
``bill_id``, ``payment_id`` or ``barcode``.

Tracking codes (کد رهگیری) of requests: random, 11 digits, the last a Damm check digit.

* Unguessable and not sequential: 10 digits from `secrets` (first one non-zero), so
  9×10⁹ codes, less those that would also pass as a subscription number or a bill ID
  (never issued, so a pasted code is never ambiguous); uniqueness is enforced by the UNIQUE column (the store retries).
* The check digit uses the Damm algorithm (a totally anti-symmetric quasigroup of order
  10): it detects every single-digit error and every adjacent transposition, which
  the mod-11 bill check does not fully do. A random 11-digit guess passes the check
  one time in ten, so lookups are also throttled (handlers/tracking.py).
* Easy to read aloud: shown as three groups, 4-3-4, in Persian digits
  (۴۰۵۱-۲۳۴-۵۶۷۸); parsed from any digits with spaces or dashes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Literal

from bot.text.normalise import digits_only, to_ascii_digits, to_persian_digits

Kind = Literal["subscription", "bill_id", "payment_id", "barcode"]

WATER = 1
SERVICE_TYPES: dict[int, str] = {
    1: "water",
    2: "electricity",
    3: "gas",
    4: "fixed_phone",
    5: "mobile",
    6: "municipality",
    8: "tax",
    9: "traffic_fines",
}
"""Service digit of a bill ID → service name; 0 and 7 are not assigned."""

COUNTY_LEN = 2
VILLAGE_LEN = 4
SERIAL_MIN, SERIAL_MAX = 1, 8
SUBSCRIPTION_MIN = COUNTY_LEN + VILLAGE_LEN + SERIAL_MIN + 1  # 8
SUBSCRIPTION_MAX = COUNTY_LEN + VILLAGE_LEN + SERIAL_MAX + 1  # 15
BILL_MIN, BILL_MAX = 6, 13
PAYMENT_MIN, PAYMENT_MAX = 6, 13
BARCODE_LEN = 2 * 13
_WEIGHTS = (2, 3, 4, 5, 6, 7)


class IdentifierError(ValueError):
    """A typed identifier is not valid; `code` says why, `kind` says which identifier."""

    def __init__(
        self, code: str, kind: Kind, message: str = "", *, service_type: int | None = None
    ):
        super().__init__(message or f"{kind}: {code}")
        self.code = code
        self.kind = kind
        self.service_type = service_type


def check_remainder(digits: str) -> int:
    """The weighted sum (weights 2..7 from the right, repeating) of `digits`, mod 11."""
    return sum(int(d) * _WEIGHTS[i % 6] for i, d in enumerate(reversed(digits))) % 11


def check_digit(digits: str) -> int:
    """The national bill-ID check digit of an ASCII digit string."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not an ASCII digit string: {digits!r}")
    remainder = check_remainder(digits)
    return 0 if remainder < 2 else 11 - remainder


def _digits(text: str, kind: Kind, low: int, high: int, *, strip_zeros: bool = False) -> str:
    """Normalised digits of `text`, length-checked."""
    cleaned = digits_only(text)
    if cleaned is None:
        raise IdentifierError("not_digits", kind)
    if strip_zeros:
        cleaned = cleaned.lstrip("0")
    if len(cleaned) < low:
        raise IdentifierError("too_short", kind, f"{kind}: {len(cleaned)} digits, at least {low}")
    if len(cleaned) > high:
        raise IdentifierError("too_long", kind, f"{kind}: {len(cleaned)} digits, at most {high}")
    return cleaned


# --- subscription number -------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionNumber:
    """شماره اشتراک: county (2) + village (4) + serial (1–8) + check digit.

    Seed 002 (bill item 1) gives the layout but no check algorithm; we use the
    national bill-ID check (`check_digit`) over all digits before the last.
    """

    county: str
    village: str
    serial: str
    check: int

    @property
    def digits(self) -> str:
        """The full number as printed on the bill, check digit included."""
        return f"{self.county}{self.village}{self.serial}{self.check}"

    @property
    def number(self) -> str:
        """The number without its check digit (the seed: the check is not part of it)."""
        return f"{self.county}{self.village}{self.serial}"

    @classmethod
    def build(cls, county: str, village: str, serial: str) -> SubscriptionNumber:
        """A valid number from its parts (check digit appended); raises IdentifierError."""
        body = f"{county}{village}{serial}"
        if len(county) != COUNTY_LEN or len(village) != VILLAGE_LEN:
            raise ValueError("county must have 2 digits and village 4")
        if not body.isascii() or not body.isdigit():
            raise IdentifierError("not_digits", "subscription")
        return parse_subscription(body + str(check_digit(body)))

    def __str__(self) -> str:
        return self.digits


def parse_subscription(text: str) -> SubscriptionNumber:
    """A subscription number typed by a user (8–15 digits); raises IdentifierError."""
    digits = _digits(text, "subscription", SUBSCRIPTION_MIN, SUBSCRIPTION_MAX)
    body, check = digits[:-1], int(digits[-1])
    if check_digit(body) != check:
        raise IdentifierError("check_digit", "subscription")
    county = body[:COUNTY_LEN]
    if county == "00":
        raise IdentifierError("bad_county", "subscription")
    village = body[COUNTY_LEN : COUNTY_LEN + VILLAGE_LEN]
    return SubscriptionNumber(county, village, body[COUNTY_LEN + VILLAGE_LEN :], check)


# --- bill ID --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillId:
    """شناسه قبض: file code + service digit + check digit (6–13 digits, no leading zero)."""

    digits: str
    service_type: int
    file_code: str

    @property
    def check(self) -> int:
        """The last digit: check of the digits before it."""
        return int(self.digits[-1])

    @property
    def service(self) -> str:
        """Name of the service (`SERVICE_TYPES`)."""
        return SERVICE_TYPES[self.service_type]

    @classmethod
    def build(cls, file_code: str, service_type: int = WATER) -> BillId:
        """A valid bill ID for `file_code` (leading zeros dropped); raises IdentifierError."""
        if service_type not in SERVICE_TYPES:
            raise ValueError(f"unknown service type {service_type}")
        if not file_code.isascii() or not file_code.isdigit():
            raise IdentifierError("not_digits", "bill_id")
        code = file_code.lstrip("0")
        body = f"{code}{service_type}"
        return parse_bill_id(body + str(check_digit(body)), service_type=service_type)

    def __str__(self) -> str:
        return self.digits


def parse_bill_id(text: str, *, service_type: int | None = WATER) -> BillId:
    """A bill ID typed by a user; raises IdentifierError.

    `service_type` is the service the bill must be for (water by default);
    None accepts any assigned service. The check digit is tested first, so a
    typo is reported as ``check_digit`` rather than as a wrong service.
    """
    digits = _digits(text, "bill_id", BILL_MIN, BILL_MAX, strip_zeros=True)
    if check_digit(digits[:-1]) != int(digits[-1]):
        raise IdentifierError("check_digit", "bill_id")
    found = int(digits[-2])
    if found not in SERVICE_TYPES or (service_type is not None and found != service_type):
        raise IdentifierError(
            "service_type",
            "bill_id",
            f"bill_id: service type {found}, expected {service_type}",
            service_type=found,
        )
    return BillId(digits, found, digits[:-2])


# --- payment ID -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentId:
    """شناسه پرداخت: amount (thousands of rials) + year digit + period (2) + two checks.

    The first check digit checks the payment ID's digits before it; the second
    checks bill ID + those digits + the first check digit.
    """

    digits: str
    amount_rials: int
    year_digit: int
    period: int

    @property
    def checks(self) -> tuple[int, int]:
        """The two check digits."""
        return int(self.digits[-2]), int(self.digits[-1])

    @classmethod
    def build(cls, bill_id: BillId, amount_rials: int, year: int, period: int) -> PaymentId:
        """A valid payment ID for `bill_id`; raises ValueError/IdentifierError.

        The standard carries the amount in whole thousands of rials, so
        `amount_rials` is rounded DOWN to a multiple of 1000 (1,234,567 → 1,234,000)
        and must be at least 1000. `year` may be the full Jalali year (1403):
        only its last digit is kept. `period` is 0–99.
        """
        thousands = amount_rials // 1000
        if thousands < 1:
            raise ValueError(f"amount {amount_rials} rials is less than 1000 rials")
        if not 0 <= period <= 99:
            raise ValueError(f"period {period} is not 0-99")
        if year < 0:
            raise ValueError(f"year {year} is negative")
        lead = f"{thousands}{year % 10}{period:02d}"
        first = check_digit(lead)
        second = check_digit(f"{bill_id.digits}{lead}{first}")
        return parse_payment_id(f"{lead}{first}{second}", bill_id)

    def __str__(self) -> str:
        return self.digits


def parse_payment_id(text: str, bill_id: BillId) -> PaymentId:
    """A payment ID typed by a user, checked against its bill ID; raises IdentifierError."""
    digits = _digits(text, "payment_id", PAYMENT_MIN, PAYMENT_MAX, strip_zeros=True)
    lead, first, second = digits[:-2], int(digits[-2]), int(digits[-1])
    if check_digit(lead) != first:
        raise IdentifierError("payment_check_1", "payment_id")
    if check_digit(f"{bill_id.digits}{lead}{first}") != second:
        raise IdentifierError("payment_check_2", "payment_id")
    return PaymentId(
        digits,
        amount_rials=int(digits[:-5]) * 1000,
        year_digit=int(digits[-5]),
        period=int(digits[-4:-2]),
    )


# --- barcode --------------------------------------------------------------------------------


def bill_barcode(bill_id: BillId, payment_id: PaymentId) -> str:
    """The 26-digit barcode: bill ID and payment ID, each left-padded to 13 digits."""
    return bill_id.digits.zfill(13) + payment_id.digits.zfill(13)


def parse_barcode(text: str, *, service_type: int | None = WATER) -> tuple[BillId, PaymentId]:
    """Bill ID and payment ID from a 26-digit barcode; raises IdentifierError."""
    digits = _digits(text, "barcode", BARCODE_LEN, BARCODE_LEN)
    bill = parse_bill_id(digits[:13], service_type=service_type)
    return bill, parse_payment_id(digits[13:], bill)


_DIGIT_RUN = re.compile(r"\d+")


def parse_bill_and_payment(text: str) -> tuple[BillId, PaymentId] | None:
    """A water bill ID and its payment ID typed or pasted together (two numbers, in any
    digits, with any words or separators around them, e.g. «شناسه قبض: … شناسه پرداخت: …»),
    or the 26-digit barcode; None when the text is not such a pair. Both check digits of
    the payment ID tie it to the bill ID, so two unrelated numbers pass one time in ~100."""
    runs = _DIGIT_RUN.findall(to_ascii_digits(text or ""))
    try:
        if len(runs) == 1 and len(runs[0]) == BARCODE_LEN:
            return parse_barcode(runs[0])
        if len(runs) == 2:
            bill = parse_bill_id(runs[0])
            return bill, parse_payment_id(runs[1], bill)
    except IdentifierError:
        return None
    return None


# --- "either" input -------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    """What a pasted number can be: valid candidates (most likely first) and the errors."""

    candidates: tuple[SubscriptionNumber | BillId, ...] = ()
    errors: tuple[IdentifierError, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        """Both a water bill ID and a subscription number."""
        return len(self.candidates) > 1

    @property
    def error(self) -> IdentifierError | None:
        """The most useful error when nothing is valid (a length error only if all are)."""
        if self.candidates or not self.errors:
            return None
        return self.errors[0]


_LENGTH_CODES = frozenset({"too_short", "too_long"})


def classify_number(text: str) -> Classification:
    """Read a number that may be a water bill ID or a subscription number.

    Both interpretations are tried. Both use the same check digit, so a number
    of 8–13 digits whose check passes and whose second-to-last digit is 1 is
    valid as both; then both are returned and the caller tries each against the
    database. The bill ID comes first: a true subscription number has the water
    digit there only one time in ten, while a true bill ID nearly always also
    reads as a subscription number, so the bill ID is about ten times likelier.
    Numbers of 14–15 digits can only be subscription numbers, 6–7 only bill IDs.
    When neither is valid, `errors` lists both reasons, length errors last, so
    `error` is the one about the identifier the length fits.
    """
    candidates: list[SubscriptionNumber | BillId] = []
    errors: list[IdentifierError] = []
    for parse in (parse_bill_id, parse_subscription):
        try:
            candidates.append(parse(text))
        except IdentifierError as exc:
            errors.append(exc)
    errors.sort(key=lambda e: e.code in _LENGTH_CODES)
    return Classification(tuple(candidates), tuple(errors))


# --- tracking codes -------------------------------------------------------------------------

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
    """A fresh random tracking code (11 ASCII digits, first non-zero, Damm check last) that
    is no subscription number or bill ID as well: pasted alone, a code the bot issued is
    read as a tracking code without asking which number it is (about one draw in six
    passes another check and is drawn again)."""
    while True:
        body = str(1 + secrets.randbelow(9)) + "".join(
            str(secrets.randbelow(10)) for _ in range(CODE_LENGTH - 2)
        )
        code = body + str(damm_digit(body))
        if not _another_identifier(code):
            return code


def _another_identifier(digits: str) -> bool:
    """Whether digits pass the checks of a subscription number or a bill ID (any service)."""
    for parse in (parse_subscription, lambda d: parse_bill_id(d, service_type=None)):
        try:
            parse(digits)
        except IdentifierError:
            continue
        return True
    return False


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
