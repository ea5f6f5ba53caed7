"""Helpers of the reliability tests (fuzz, security): is a reply made of locale strings,
which conversations and drafts a user has, and a log capture that keeps every record.

A reply passes `LocaleMatcher.unknown_lines` when each of its lines is a line of a
locale template (placeholders match any text), a locale list item, or a piece of domain
data the templates embed (catalog titles, info topics, tariff and city names, the
subscribers' names and addresses on file) or a repetition of what the user typed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.runtime.conversations import conversation_handlers
from bot.text.fmt import echo
from bot.text.i18n import default_locale
from bot.text.normalise import to_persian_digits

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = (*sorted((ROOT / "bot" / "data").glob("*.yaml")),
              *sorted((ROOT / "tariffs" / "data").glob("*.yaml")))
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
LETTERS = re.compile(r"[^\W\d_]{2,}")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _line_pattern(line: str) -> re.Pattern[str] | None:
    """A regex for one template line, or None when it has no literal text of its own."""
    parts = PLACEHOLDER.split(line)
    if not "".join(parts).strip(" :،.-•\u200c"):
        return None
    return re.compile(".+?".join(re.escape(p) for p in parts) + "$", re.DOTALL)


class LocaleMatcher:
    """Knows every line the bot may show."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        locale = default_locale()
        self.patterns: list[re.Pattern[str]] = []
        self.whole = [_line_pattern(text) for text in locale.strings.values()
                      if PLACEHOLDER.search(text) and "\n" not in text.strip()]
        self.literals: set[str] = set()
        for template in locale.strings.values():
            for line in template.splitlines():
                if PLACEHOLDER.search(line):
                    pattern = _line_pattern(line)
                    if pattern is not None:
                        self.patterns.append(pattern)
                elif line.strip():
                    self.literals.add(line.strip())
        for values in locale.lists.values():
            self.literals.update(v.strip() for item in values for v in item.splitlines())
        # data and echoed input reach the user through t(), which shows Persian digits
        self.data = {to_persian_digits(line.strip()) for text in [*data_strings(), *extra]
                     for line in text.splitlines() if line.strip()}
        pieces = {piece.strip() for template in locale.strings.values()
                  for line in template.splitlines() for piece in PLACEHOLDER.split(line)}
        self.fragments = sorted({f for f in pieces | self.literals | self.data if len(f) >= 3},
                                key=len, reverse=True)

    def known(self, line: str, echoed: Iterable[str] = ()) -> bool:
        """Whether one line of a reply comes from the locale file or embedded data (or
        repeats `echoed`, what the user typed)."""
        stripped = line.strip()
        if not stripped or stripped in self.literals or stripped in self.data:
            return True
        if any(p.match(stripped) for p in self.patterns):
            return True
        for text in sorted((e.strip() for e in echoed), key=len, reverse=True):
            stripped = stripped.replace(text, " ") if len(text) >= 3 else stripped
        return self.composed(stripped)

    def composed(self, line: str) -> bool:
        """Whether the line is locale pieces and data with only numbers, signs and
        punctuation between them (a template whose placeholders are other strings)."""
        rest = line
        for fragment in self.fragments:
            if fragment in rest:
                rest = rest.replace(fragment, " ")
        return not LETTERS.search(rest)

    def unknown_lines(self, text: str, echoed: Iterable[str] = ()) -> list[str]:
        """The lines of a reply that are neither locale text, data, nor `echoed`."""
        if any(p is not None and p.match(text) for p in self.whole):
            return []
        shown = [*echoed, *(echo(item) for item in echoed)]  # replies cut what they repeat
        typed = [to_persian_digits(part) for item in shown for part in item.splitlines()
                 if part.strip()]
        return [line for line in text.splitlines() if not self.known(line, typed)]


@cache
def data_strings() -> tuple[str, ...]:
    """Every string of the domain data files the templates embed."""
    found: list[str] = []
    for path in DATA_FILES:
        found.extend(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return tuple(found)


def conversation_state(app: Application, user_id: int) -> dict[str, object]:
    """The active conversations of a user in a private chat: name → state."""
    active = {}
    for conv in conversation_handlers(app):
        for key, state in conv._conversations.items():
            if user_id in key and state is not None:
                active[conv.name or ""] = state
    return active


def conversation_names(app: Application) -> set[str]:
    """The names of every conversation of the application."""
    return {conv.name or "" for conv in conversation_handlers(app)}


class RecordAll(logging.Handler):
    """Keeps every log record (attach to the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def errors(self) -> list[logging.LogRecord]:
        """Records at ERROR or above."""
        return [r for r in self.records if r.levelno >= logging.ERROR]


def all_handlers(app: Application) -> Iterator[BaseHandler]:
    """Every handler of the application, with the entry points and states of conversations."""

    def walk(handlers: Iterable[BaseHandler]) -> Iterator[BaseHandler]:
        for handler in handlers:
            yield handler
            if isinstance(handler, ConversationHandler):
                yield from walk(handler.entry_points)
                for state in handler.states.values():
                    yield from walk(state)
                yield from walk(handler.fallbacks)

    for group in app.handlers.values():
        yield from walk(group)


def all_commands(app: Application) -> set[str]:
    """Every /command the application handles anywhere."""
    return {f"/{c}" for h in all_handlers(app) if isinstance(h, CommandHandler)
            for c in h.commands}


_SAMPLES = ((r"[0-9]{1,18}", "1"), (r"\d+", "1"), (r"[\w-]+", "a"), (r"\w+", "a"),
            (r"[a-z_]+", "a"), (r"[a-z]+", "a"),
            (r"[0-9]+", "1"), (r".+", "x"), (r".*", ""))


def sample_callbacks(app: Application) -> set[str]:
    """For every CallbackQueryHandler pattern, a callback data string it accepts."""
    found = set()
    for handler in all_handlers(app):
        if not isinstance(handler, CallbackQueryHandler) or handler.pattern is None:
            continue
        pattern = handler.pattern if isinstance(handler.pattern, re.Pattern) else None
        if pattern is None:
            continue
        text = pattern.pattern.lstrip("^").rstrip("$")
        for regex, sample in _SAMPLES:
            text = text.replace(regex, sample)
        text = re.sub(r"\(([^()|]*)\|[^()]*\)", r"\1", text).replace("\\", "")
        if pattern.match(text):
            found.add(text)
    return found
