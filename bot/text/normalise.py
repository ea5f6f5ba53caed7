"""Normalise what users type: Persian/Arabic digits and letters, spaces, dashes."""

from __future__ import annotations

import re
import unicodedata

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN_DIGITS)
# Arabic letters that Persian keyboards replace; kaf, yeh, alef maksura, teh marbuta stay readable.
_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ۀ": "هٔ"})
# Separators a user may put inside a number: spaces (incl. ZWNJ, NBSP), dashes, slashes, dots, commas.
_NUMBER_SEPARATORS = re.compile(r"[\s\u200c\u200f\u200e\u00a0\u2009\u202f\-‐‑‒–—−_/.,،٬٫]+")


_OTHER_DIGIT = re.compile("[۰-۹٠-٩]")
# Characters that control a terminal (C0 but newline and tab, DEL, C1) or reorder text
# (bidi embeddings, overrides, isolates): never shown as they were typed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In a file name nothing but the visible name: also newlines, tabs and the bidi marks.
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """The text without terminal control characters and bidi embeddings/overrides."""
    return _CONTROLS.sub("", text)


def clean_file_name(name: str) -> str:
    """A file name as it may be shown: a right-to-left override cannot hide `.exe`."""
    return _NAME_CONTROLS.sub("", name).strip()


def to_ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits by ASCII ones."""
    return text.translate(_TO_ASCII) if _OTHER_DIGIT.search(text) else text


def to_persian_digits(text: str) -> str:
    """Replace ASCII digits by Persian ones (for everything the bot sends)."""
    return text.translate(_TO_PERSIAN)


def normalize_text(text: str) -> str:
    """ASCII digits, Persian letters, collapsed white space."""
    return " ".join(to_ascii_digits(text).translate(_LETTERS).split())


def digits_only(text: str) -> str | None:
    """The number a user typed with separators removed, or None if anything else is in it."""
    cleaned = _NUMBER_SEPARATORS.sub("", to_ascii_digits(text.strip()))
    return cleaned if cleaned.isdigit() and cleaned.isascii() else None


_WHOLE = re.compile(r"^(?:\d+|\d{1,3}(?:[,٬،.\s]\d{3})+)$")


def parse_int(text: str) -> int | None:
    """A non-negative whole number typed in any digits, with optional thousands separators.

    A sign or a decimal fraction is refused (None), so 12.5 never becomes 125.
    """
    raw = to_ascii_digits(text.strip())
    if not _WHOLE.match(raw):
        return None
    cleaned = digits_only(raw)
    return int(cleaned) if cleaned else None


# --- folding for matching words (bot/understand) --------------------------------------------

# Letter variants a phone keyboard, a copied SMS or an Arabic keyboard produces, reduced to one
# Persian form for matching (not for display): alef with hamza or madda, teh marbuta, heh with
# yeh, waw and yeh with hamza, Arabic kaf and yeh.
_FOLD_LETTERS = str.maketrans({
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ٶ": "و",
})
# Diacritics (harakat, superscript alef, Quranic marks), tatweel, hamza above/below, and the
# invisible joiners and marks (ZWNJ, ZWJ, LRM, RLM, BOM, soft hyphen): dropped, so «می‌خوام»,
# «میخوام» and «مـــیخوام» become one word.
_FOLD_DROP = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u0654\u0655\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_NOT_WORD = re.compile(r"[\W_]+")
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")


def fold_letters(text: str) -> str:
    """Only the letter part of `fold`: one Persian form per letter, no diacritics, tatweel or
    half-spaces. Fast on a long text (a word list joined by newlines)."""
    for letter, one in _FOLD_LETTERS.items():
        text = text.replace(chr(letter), one)
    return _FOLD_DROP.sub("", text)


def fold(text: str) -> str:
    """Text reduced for matching words: compatibility forms (NFKC, so Arabic presentation
    forms become letters), ASCII digits, lower case, one Persian form per letter, no
    diacritics, tatweel or half-spaces, a letter repeated three times or more («خیلیییی»)
    kept once, and everything that is not a letter or digit (punctuation, emoji) a space.
    Digits are never collapsed, so numbers keep their length."""
    text = unicodedata.normalize("NFKC", text)
    text = _FOLD_DROP.sub("", to_ascii_digits(text).lower().translate(_FOLD_LETTERS))
    return " ".join(_NOT_WORD.sub(" ", _REPEATED.sub(r"\1", text)).split())
