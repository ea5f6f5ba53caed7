"""Keyboards built from locale strings, and filters that match their buttons."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from telegram.ext import filters

from bot.text.i18n import t

MENU_KEYS = (
    "menu.bills", "menu.subscriptions", "menu.services", "menu.track",
    "menu.tariffs", "menu.incident", "menu.help",
)


def main_menu() -> ReplyKeyboardMarkup:
    """The main menu as a reply keyboard, two buttons a row."""
    labels = [t(key) for key in MENU_KEYS]
    rows = [labels[i:i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def button_filter(*keys: str) -> filters.BaseFilter:
    """Matches a message whose text is exactly one of these locale strings."""
    pattern = "|".join(re.escape(t(key)) for key in keys)
    return filters.TEXT & filters.Regex(f"^(?:{pattern})$")


def menu_buttons() -> filters.BaseFilter:
    """Matches any main-menu button."""
    return button_filter(*MENU_KEYS)


def choices(labels: Sequence[str], columns: int = 2, cancel: bool = True) -> ReplyKeyboardMarkup:
    """A one-time reply keyboard of choices, with a cancel button last."""
    rows = [list(labels[i:i + columns]) for i in range(0, len(labels), columns)]
    if cancel:
        rows.append([t("common.button_cancel")])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def link_button(label: str, url: str) -> InlineKeyboardMarkup:
    """One inline button that opens a link (e.g. the private chat with the bot)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])


def contact_request(label: str) -> ReplyKeyboardMarkup:
    """A keyboard whose button shares the user's own phone number."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)], [t("common.button_cancel")]],
        resize_keyboard=True, one_time_keyboard=True,
    )


def location_request(label: str, skip: bool = False) -> ReplyKeyboardMarkup:
    """A keyboard whose button shares the user's location."""
    rows: list[list[KeyboardButton | str]] = [[KeyboardButton(label, request_location=True)]]
    if skip:
        rows.append([t("common.button_skip")])
    rows.append([t("common.button_cancel")])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
