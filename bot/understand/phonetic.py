"""Consonant keys that make Finglish and misspelt Persian meet the vocabulary.

Persian is written without short vowels and its letters have homophones (ث س ص, ذ ز ض ظ,
ت ط, ح ه, غ ق); Finglish writes the vowels and spells the same consonants with Latin
letters (gh, kh, sh, ch). Both reduce to the same key: the consonants by sound, vowels and
the letters that also stand for vowels (ا و ی ع, a e i o u y w v) dropped, ک and گ one
(keyboards without گ type ک: «کاز»), a final ه of
«-e» dropped; a Latin letter typed twice counts once («mamnoon», «lolle»). «قبض», «قبظ», «ghabz» and «qabz» all give "qbz";
«تانکری» and «tankeri» give "tnkr"; «میخوام» and «mikham» give "mxm".
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
_LATIN_DIGRAPHS = (("sh", "S"), ("ch", "C"), ("kh", "x"), ("gh", "q"), ("zh", "Z"), ("ck", "k"))
_LATIN = str.maketrans({
    "q": "q", "c": "k", "g": "k", "x": "x", "'": "",
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "v": "",
})
_DOUBLE = re.compile(r"(.)\1+")
_LATIN_WORD = re.compile(r"^[a-z']+$")


def is_latin(token: str) -> bool:
    """Whether a folded token is written in Latin letters (Finglish or English)."""
    return bool(_LATIN_WORD.match(token))


def persian_key(token: str) -> str:
    """The consonant key of a folded Persian word."""
    if len(token) > 2 and token.endswith("ه"):
        token = token[:-1]
    return token.translate(_PERSIAN)


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
