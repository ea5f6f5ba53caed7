"""Consonant keys that make Finglish and misspelt Persian meet the vocabulary.

Persian is written without short vowels and its letters have homophones (ث س ص, ذ ز ض ظ,
ت ط, ح ه, غ ق); Finglish writes the vowels and spells the same consonants with Latin
letters (gh, kh, sh, ch). Both reduce to the same key: the consonants by sound, vowels and
the letters that also stand for vowels (ا و ی ع, a e i o u y w v) dropped, ک and گ one
(keyboards without گ type ک: «کاز»), a final ه of
«-e» dropped; a Latin letter typed twice counts once («mamnoon», «lolle»). «قبض», «قبظ», «ghabz» and «qabz» all give "qbz";
«تانکری» and «tankeri» give "tnkr"; «میخوام» and «mikham» give "mxm".

A Persian word is matched against Persian forms by a finer key (`homophone_key`) that keeps
the long vowels: a Persian misspelling swaps homophone consonants («قبظ»), it does not drop
ا و ی, and two words that differ only in them are different words («نوشته» is not «نشت»,
«کار» is not «کر»). The vowel-less key is for Finglish, which writes the vowels its own way.
"""

from __future__ import annotations

import re

_PERSIAN = str.maketrans({
    "ب": "b", "پ": "p", "ت": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "ج": "j",
    "چ": "C", "ح": "h", "ه": "h", "خ": "x", "د": "d", "ذ": "z", "ز": "z", "ض": "z",
    "ظ": "z", "ر": "r", "ژ": "Z", "ش": "S", "غ": "q", "ق": "q", "ف": "f", "ک": "k",
    "گ": "k", "ل": "l", "م": "m", "ن": "n",
    "ا": "", "و": "", "ی": "", "ع": "", "ء": "",
})
_HOMOPHONES = str.maketrans({
    "ث": "س", "ص": "س", "ذ": "ز", "ض": "ز", "ظ": "ز", "ط": "ت", "ح": "ه", "غ": "ق",
    "گ": "ک",
})
_LATIN_DIGRAPHS = (("sh", "S"), ("ch", "C"), ("kh", "x"), ("gh", "q"), ("zh", "Z"), ("ck", "k"))
_LATIN = str.maketrans({
    "q": "q", "c": "k", "g": "k", "x": "x", "'": "",
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "v": "",
})
_DOUBLE = re.compile(r"(.)\1+")
_LATIN_WORD = re.compile(r"^[a-z']+$")


# Rows of the standard Persian keyboard (ISIRI 9147): a slip hits the key beside the one meant.
_ROWS = ("ضصثقفغعهخحجچ", "شسیبلاتنمکگ", "ظطزرذدپو")
NEIGHBOURS: dict[str, str] = {}
for _row in _ROWS:
    for _i, _letter in enumerate(_row):
        NEIGHBOURS[_letter] = _row[max(0, _i - 1):_i] + _row[_i + 1:_i + 2]


def slips(token: str) -> list[str]:
    """A Persian word with one letter replaced by a key beside it («قبص», «قیض» → «قبض»)."""
    return [token[:i] + other + token[i + 1:]
            for i, letter in enumerate(token) for other in NEIGHBOURS.get(letter, "")]


_CANON = tuple((re.compile(pattern), one) for pattern, one in (
    ("kh", "x"), ("gh", "q"), ("sh", "S"), ("ch", "C"), ("zh", "Z"), ("ck", "k"), ("ou|oo", "u"),
    ("ee", "i"), ("ey(?![aeiou])", "ei"), ("ay(?![aeiou])", "ai"), ("iy(?=[aeiou])", "i"),
    ("w", "v"), ("c", "k"),
))
_APOSTROPHES = str.maketrans("", "", "'`2")
LATIN_ENDINGS = tuple(sorted((
    "haye", "hamun", "hatun", "haSun", "hamo", "hae", "ha", "aye", "amun", "atun", "aSun",
    "emun", "etun", "eSun", "am", "at", "aS", "ye", "mo", "ro", "o", "e", "a", "i", "S", "m",
), key=len, reverse=True))


def latin_canon(token: str) -> str:
    """A Finglish word in one spelling, vowels kept: «gh»/«q», «kh»/«x», «oo»/«u», «ee»/«i»,
    «ey»/«ei», «w»/«v», a doubled letter and a final «h» of «-eh» are written one way
    («ghate» and «qate», «looleh» and «lule», «peygiri» and «peigiri» meet)."""
    token = _DOUBLE.sub(r"\1", token.translate(_APOSTROPHES))
    for pattern, one in _CANON:
        token = pattern.sub(one, token)
    if len(token) > 3 and token.endswith(("eh", "ah")):
        token = token[:-1]
    return _DOUBLE.sub(r"\1", token)


def is_latin(token: str) -> bool:
    """Whether a folded token is written in Latin letters (Finglish or English)."""
    return bool(_LATIN_WORD.match(token))


def persian_key(token: str) -> str:
    """The consonant key of a folded Persian word."""
    if len(token) > 2 and token.endswith("ه"):
        token = token[:-1]
    return token.translate(_PERSIAN)


def homophone_key(token: str) -> str:
    """The key of a folded Persian word for Persian forms: homophone consonants made one,
    long vowels kept, a final ه of «-e» dropped."""
    if len(token) > 2 and token.endswith("ه"):
        token = token[:-1]
    return token.translate(_HOMOPHONES)


def latin_key(token: str) -> str:
    """The consonant key of a Finglish word."""
    token = _DOUBLE.sub(r"\1", token)
    if len(token) > 3 and token.endswith(("eh", "ah")):
        token = token[:-1]
    for digraph, sound in _LATIN_DIGRAPHS:
        token = token.replace(digraph, sound)
    return token.translate(_LATIN)


def key(token: str) -> str:
    """The consonant key of a folded word in either script."""
    return latin_key(token) if is_latin(token) else persian_key(token)
