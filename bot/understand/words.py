"""Common Persian words, so that a real word is never read as a misspelling of another.

A loose match (a homophone swapped, a neighbouring key hit, an edit distance) is how a typo
reaches the vocabulary: «قبظ», «قبص», «کنتوز». But «نوشته» is not a misspelt «نشت», «بپرسم»
is not «بورس» and «کرده» is not «card»: they are words. The word list of `wordfreq`
(Persian, its «small» list: about 31,000 words that occur at least once per million words
of Wikipedia, subtitles, news, web text and social media) tells the two apart: a token on
the list is a word and is only matched as written, with its affixes.

The list's file is read directly (wordfreq's documented cBpack format: a gzipped msgpack
list of word buckets), without importing wordfreq, whose import alone takes longer than
this command's whole start-up budget; it is read on the first loose lookup only (most
texts never need one). Without the package the list is empty and every loose match is
tried, as before.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import cache
from pathlib import Path

from bot.text.normalise import fold_letters

LIST_FILE = ("data", "small_fa.msgpack.gz")


def _path() -> Path | None:
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), *LIST_FILE)


@cache
def common_words() -> frozenset[str]:
    """The common Persian words, folded like the texts (bot.text.normalise.fold)."""
    path = _path()
    if path is None or not path.is_file():
        return frozenset()
    import msgpack  # wordfreq's own dependency: present whenever the list is

    try:
        with gzip.open(path) as handle:
            data = msgpack.load(handle, raw=False)
    except (OSError, ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        return frozenset()
    header, buckets = (data[0], data[1:]) if data and isinstance(data[0], dict) else ({}, [])
    if header.get("format") != "cB":
        return frozenset()
    words = fold_letters("\n".join(word for bucket in buckets for word in bucket))
    return frozenset(word for word in words.split("\n") if not word.isascii())
