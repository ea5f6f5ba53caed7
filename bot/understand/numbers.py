"""The numbers in a text: pasted identifiers (decided by the rules of bot/domain/identifiers.py) and
quantities (m³ of use, a meter reading).

A pasted number is read as every identifier whose rules it passes: a subscription number
(check digit), a water bill ID (check digit and service digit 1), a bill ID with its payment
ID (both check digits of the payment ID, the second over the bill ID: a pair can only be read
together), the 26-digit barcode, a tracking code (11 digits, Damm check). A label before it
on the same line («شماره اشتراک:», «شناسه قبض:», «کد رهگیری») decides between readings; a
label for something else (amount, mobile, national code, date, file number) makes the number
no identifier. Without a label, an 11-digit number that is also a tracking code is read as
one first (every tracking code has 11 digits); a bill ID comes before a subscription number
(bot.domain.identifiers.classify_number explains why). The other readings are kept as
`alternatives`, so the bot can ask with buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from bot.domain.identifiers import (
    SERVICE_TYPES,
    WATER,
    IdentifierError,
    is_valid,
    parse_barcode,
    parse_bill_id,
    parse_payment_id,
    parse_subscription,
)
from bot.text.normalise import fold, to_ascii_digits

SUBSCRIPTION, BILL, PAYMENT, TRACKING = "subscription_number", "bill_id", "payment_id", "tracking_code"
# A run of digit groups separated by spaces or dashes («۴۰۵۱-۲۳۴-۵۶۷۸», «1100 0200 0000 15»).
_RUN = re.compile(r"\d+(?:[ \t\u00a0\u2009\u202f\u200c\-‐‑‒–—−_]{1,2}\d+)*")
_GROUP = re.compile(r"\d+")
_MOBILE = re.compile(r"^(?:0|98|0098)?9\d{9}$")
_QUANTITY = re.compile(r"(?<![\d.,٫٬/])(\d{1,7})(?:[.٫](\d{1,3}))?(?![\d,٬/])")
_LABEL_WINDOW = 40
READING_WORDS = 5  # «کنتور ما الان رو ۱۲۳۴ هست»: the meter word a few words before
_TITLE_WORDS = 4  # a line of a label only
_AFTER_WINDOW = 12  # characters (folded) between a number and a label after it
_MIN_ID, _MAX_ID = 6, 26


@dataclass(frozen=True)
class Labels:
    """Words (folded) that say what the number after them is."""

    subscription: tuple[str, ...]
    bill: tuple[str, ...]
    payment: tuple[str, ...]
    tracking: tuple[str, ...]
    other: tuple[str, ...]


@dataclass(frozen=True)
class Quantities:
    """Words (folded) around a quantity: its units and what a reading follows."""

    m3: tuple[str, ...]
    litre: tuple[str, ...]
    thousand: tuple[str, ...]
    use: tuple[str, ...]
    reading: tuple[str, ...]
    money: tuple[str, ...]


@dataclass
class Numbers:
    """What the numbers of a text are."""

    values: dict[str, str] = field(default_factory=dict)
    alternatives: list[dict[str, str]] = field(default_factory=list)
    other_service: str | None = None
    invalid: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Run:
    digits: str
    groups: list[str]
    start: int
    end: int
    label: str | None


@cache
def _kinds(labels: Labels) -> tuple[tuple[str, str], ...]:
    """(kind, label word) for every label; a label of two words also written as one
    («شناسه‌قبض» folds to «شناسهقبض»)."""
    out = []
    for kind in ("subscription", "bill", "payment", "tracking", "other"):
        for word in getattr(labels, kind):
            out.append((kind, word))
            if " " in word:
                out.append((kind, word.replace(" ", "")))
    return tuple(out)


def _label(before: str, labels: Labels) -> str | None:
    """The label closest before a number on its line, or None."""
    best, where = None, -1
    for kind, word in _kinds(labels):
        at = before.rfind(word)
        if at >= 0 and at + len(word) > where:  # the label that ends last: the longest
            best, where = kind, at + len(word)
    return best


def _label_after(after: str, labels: Labels) -> str | None:
    """A label right after a number that has none before it, on its line, naming no other
    number («۱۲۳۴۵۶۷۸ شماره اشتراکمه», «۲۵۰۰۰۰۰ ریال»): the one that starts first."""
    best, where = None, _AFTER_WINDOW
    for kind, word in _kinds(labels):
        at = after.find(word)
        if 0 <= at < where or (at == where and best is not None and kind == best):
            best, where = kind, at
    return best


def _digits(run: str) -> str:
    return "".join(_GROUP.findall(run))


def _runs(text: str, labels: Labels) -> list[_Run]:
    runs = []
    previous = 0  # a label names the next number only: look back to the previous one at most
    for match in _RUN.finditer(text):
        groups = _GROUP.findall(match.group())
        digits = "".join(groups)
        if len(digits) < _MIN_ID:
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        start = max(line_start, previous, match.start() - _LABEL_WINDOW)
        before = fold(text[start:match.start()])
        label = _label(before, labels)
        if label is None and not before.strip() and line_start > previous:
            # a bank app's layout: the label alone on the line above («شناسه قبض\n۱۲۳…»)
            above = fold(text[text.rfind("\n", 0, line_start - 1) + 1:line_start - 1])
            if len(above.split()) <= _TITLE_WORDS and above.strip() and not _GROUP.search(above):
                label = _label(above, labels)
        if label is None:
            line_end = text.find("\n", match.end())
            after = text[match.end():line_end if line_end >= 0 else len(text)]
            if not any(len(_digits(run)) >= _MIN_ID for run in _RUN.findall(after)):
                label = _label_after(fold(after), labels)
        runs.append(_Run(digits, groups, match.start(), match.end(), label))
        previous = match.end()
    return runs


def readings(digits: str) -> tuple[dict[str, str], str | None]:
    """Every identifier a digit string is (kind → digits) and the service of a bill ID of
    another service (electricity, gas, …), if it is one."""
    found: dict[str, str] = {}
    other = None
    if len(digits) == 2 * 13:
        try:
            bill, payment = parse_barcode(digits, service_type=None)
        except IdentifierError:
            return found, None
        if bill.service_type != WATER:
            return found, bill.service
        return {BILL: bill.digits, PAYMENT: payment.digits}, None
    if _MOBILE.match(digits):
        return found, None
    if is_valid(digits) and digits[0] != "0":
        found[TRACKING] = digits
    try:
        bill = parse_bill_id(digits, service_type=None)
        if bill.service_type == WATER:
            found[BILL] = bill.digits
        else:
            other = SERVICE_TYPES[bill.service_type]
    except IdentifierError:
        pass
    try:
        found[SUBSCRIPTION] = parse_subscription(digits).digits
    except IdentifierError:
        pass
    return found, other


_ORDER = (TRACKING, BILL, SUBSCRIPTION)
_BY_LABEL = {"subscription": SUBSCRIPTION, "bill": BILL, "tracking": TRACKING}


def _pair(bill: str, payment: str) -> bool:
    """Whether `payment` is the payment ID of the water bill ID `bill`."""
    try:
        return parse_payment_id(payment, parse_bill_id(bill)) is not None
    except IdentifierError:
        return False


def _split(run: _Run) -> tuple[str, str] | None:
    """A run like «806737410 13030583» that is a bill ID and its payment ID side by side."""
    for cut in range(1, len(run.groups)):
        bill, payment = "".join(run.groups[:cut]), "".join(run.groups[cut:])
        if _pair(bill, payment):
            return bill.lstrip("0"), payment.lstrip("0")
    return None


def find_identifiers(text: str, labels: Labels) -> Numbers:
    """The identifiers pasted in a text (any digits; ASCII in the result)."""
    text = to_ascii_digits(text)
    out = Numbers()
    runs = [run for run in _runs(text, labels) if run.label != "other"]
    used: set[int] = set()
    bills = [(i, r) for i, r in enumerate(runs) if r.label in (None, "bill")]
    for i, run in bills:  # a bill ID and, anywhere after or before it, its payment ID
        for j, other in enumerate(runs):
            if i != j and j not in used and i not in used and other.label in (None, "payment") \
                    and _pair(run.digits, other.digits):
                out.values.update({BILL: run.digits.lstrip("0"), PAYMENT: other.digits.lstrip("0")})
                used |= {i, j}
                out.spans += [(run.start, run.end), (other.start, other.end)]
    for i, run in enumerate(runs):
        if i in used:
            continue
        found, other_service = readings(run.digits)
        if not found and not other_service and len(run.groups) > 1 and (pair := _split(run)):
            found = {BILL: pair[0], PAYMENT: pair[1]}
        if run.label in _BY_LABEL:
            wanted = _BY_LABEL[run.label]
            if wanted in found:
                found = {wanted: found[wanted]}
            elif run.label == "bill" and other_service:
                found = {}
            elif found:
                found = {}
                other_service = None
                out.invalid = out.invalid or run.digits
        elif run.label == "payment":
            continue
        if PAYMENT in found:
            out.values.update(found)
            out.spans.append((run.start, run.end))
            continue
        ordered = [{kind: found[kind]} for kind in _ORDER if kind in found]
        if ordered:
            if not any(k in out.values for k in (BILL, SUBSCRIPTION, TRACKING)):
                out.values.update(ordered[0])
                out.alternatives += ordered[1:]
            elif run.label in _BY_LABEL and not set(found) & out.values.keys():
                out.values.update(found)  # «شماره اشتراک: …» beside the bill's pair in an SMS
            out.spans.append((run.start, run.end))
        elif other_service:
            out.other_service = out.other_service or other_service
            out.spans.append((run.start, run.end))
        elif _MIN_ID <= len(run.digits) <= _MAX_ID and not _MOBILE.match(run.digits):
            out.invalid = out.invalid or run.digits
            out.spans.append((run.start, run.end))
    return out


_DIGITS = re.compile(r"\d+")
MASKED_LIMIT = 200


def masked(text: str) -> str:
    """A text as it may be kept for counting: folded, every number «#» (subscription, bill,
    phone and national numbers never stored), at most 200 characters."""
    return _DIGITS.sub("#", fold(text))[:MASKED_LIMIT]


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with the given spans blanked (identifiers are not words)."""
    chars = list(to_ascii_digits(text))
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _starts(text: str, words: tuple[str, ...]) -> bool:
    return any(text == w or text.startswith(w + " ") for w in words)


def _ends(text: str, words: tuple[str, ...], size: int = 3) -> bool:
    last = text.split()[-size:]
    return any(w in last for w in words) or any(" ".join(last).endswith(w) for w in words)


def find_quantities(text: str, words: Quantities) -> dict[str, str]:
    """m³ of use (`consumption`) and a meter number (`reading`) in a text with its
    identifiers masked."""
    text = to_ascii_digits(text)
    out: dict[str, str] = {}
    for match in _QUANTITY.finditer(text):
        whole, fraction = match.group(1), match.group(2)
        after = fold(text[match.end():match.end() + 30])
        before = fold(text[max(0, match.start() - 30):match.start()])
        number = whole.lstrip("0") or "0"
        if fraction:
            number = f"{number}.{fraction.rstrip('0')}".rstrip(".")
        if _starts(after, words.money):
            continue
        if _starts(after, words.thousand) and _starts(after.split(" ", 1)[-1], words.litre):
            out.setdefault("consumption", number)
        elif _starts(after, words.m3):
            out.setdefault("consumption", number)
        elif _starts(after, words.litre):
            litres = int(whole)
            if litres >= 1000 and not fraction:
                value = litres / 1000
                out.setdefault("consumption", str(int(value)) if value.is_integer() else str(value))
        elif before and _ends(before, words.reading, READING_WORDS) and not fraction:
            out.setdefault("reading", number)
        elif before and _ends(before, words.use):
            out.setdefault("consumption", number)
    return out
