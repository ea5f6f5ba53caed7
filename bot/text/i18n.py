"""Load `locales/fa.yml`, check it, and render its strings with named placeholders.

Every string the user sees comes from the locale file. Keys are dotted paths
(`menu.bills`). `check_usage` scans the code for `t("literal.key", name=...)`
calls and fails at start-up when a key is missing or its placeholders differ.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.text.normalise import to_persian_digits

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LOCALE = ROOT / "locales" / "fa.yml"
CODE_PACKAGES = ("bot", "handlers", "tariffs")


class LocaleError(ValueError):
    """The locale file or its use in the code is wrong."""


@dataclass(frozen=True)
class Locale:
    """Flattened strings of one locale, with the placeholders each one takes."""

    strings: Mapping[str, str]
    placeholders: Mapping[str, frozenset[str]]
    lists: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = DEFAULT_LOCALE) -> Locale:
        """Read and validate a locale file; raise LocaleError naming the bad key."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise LocaleError(f"{path}: cannot read locale: {exc}") from exc
        if not isinstance(raw, dict):
            raise LocaleError(f"{path}: the top level must be a mapping")
        strings: dict[str, str] = {}
        lists: dict[str, tuple[str, ...]] = {}
        _flatten(raw, "", strings, lists, path)
        placeholders = {key: _placeholders(key, text, path) for key, text in strings.items()}
        return cls(strings, placeholders, lists)

    def has(self, key: str) -> bool:
        """Whether the key names a string."""
        return key in self.strings

    def t(self, key: str, /, **params: Any) -> str:
        """Render a string; every digit in the params is shown in Persian (numbers, codes,
        and the user's own input echoed back)."""
        try:
            template = self.strings[key]
        except KeyError:
            raise LocaleError(f"missing locale key: {key}") from None
        expected = self.placeholders[key]
        if set(params) != expected:
            raise LocaleError(
                f"locale key {key} takes {sorted(expected)}, was given {sorted(params)}"
            )
        if not expected:
            return template
        return template.format(**{name: _show(value) for name, value in params.items()})

    def items(self, key: str) -> tuple[str, ...]:
        """A list of strings (e.g. the steps of a how-to)."""
        try:
            return self.lists[key]
        except KeyError:
            raise LocaleError(f"missing locale list: {key}") from None

    def check_usage(self, packages: Iterable[str] = CODE_PACKAGES) -> None:
        """Fail when code uses a key that is missing or passes other placeholders."""
        problems = []
        for use in used_keys(packages):
            if use.key not in self.strings and use.key not in self.lists:
                problems.append(f"{use.where}: missing locale key {use.key}")
            elif use.params is not None and use.key in self.strings:
                expected = self.placeholders[use.key]
                if set(use.params) != expected:
                    problems.append(
                        f"{use.where}: {use.key} takes {sorted(expected)}, "
                        f"code passes {sorted(use.params)}"
                    )
        if problems:
            raise LocaleError("\n".join(problems))


@dataclass(frozen=True)
class KeyUse:
    """One `t("key", ...)` call found in the code."""

    key: str
    params: frozenset[str] | None  # None when the call passes **kwargs
    where: str


def used_keys(packages: Iterable[str] = CODE_PACKAGES) -> list[KeyUse]:
    """Every literal locale key the code passes to `t(...)` or `items(...)`."""
    uses = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                    node.func, "id", None
                )
                first = node.args[0]
                if name not in {"t", "items"} or not (
                    isinstance(first, ast.Constant) and isinstance(first.value, str)
                ):
                    continue
                if name == "items" or any(k.arg is None for k in node.keywords):
                    params = None
                else:
                    params = frozenset(k.arg for k in node.keywords if k.arg)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                uses.append(KeyUse(first.value, params, where))
    return uses


@cache
def default_locale() -> Locale:
    """The Persian locale, loaded once."""
    return Locale.load(DEFAULT_LOCALE)


def t(key: str, /, **params: Any) -> str:
    """Render a string of the default (Persian) locale."""
    return default_locale().t(key, **params)


def items(key: str) -> tuple[str, ...]:
    """A list of strings of the default locale."""
    return default_locale().items(key)


def _flatten(node: Any, prefix: str, out: dict, lists: dict, path: Path) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, f"{key}.", out, lists, path)
        elif isinstance(value, str):
            out[key] = value.strip("\n") if value.endswith("\n") else value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            lists[key] = tuple(value)
        else:
            raise LocaleError(f"{path}: {key}: expected text, a list of texts or a mapping")


def _placeholders(key: str, text: str, path: Path) -> frozenset[str]:
    names = set()
    try:
        for _, field, spec, conversion in string.Formatter().parse(text):
            if field is None:
                continue
            if not field.isidentifier() or spec or conversion:
                raise LocaleError(f"{path}: {key}: placeholder {{{field}}} must be a plain name")
            names.add(field)
    except ValueError as exc:
        raise LocaleError(f"{path}: {key}: {exc}") from exc
    return frozenset(names)


def _show(value: Any) -> str:
    return to_persian_digits(str(value))
