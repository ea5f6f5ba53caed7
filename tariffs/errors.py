"""Errors of the tariff engine."""

from __future__ import annotations


class TariffError(ValueError):
    """A request the engine cannot compute; `code` is a machine code the bot turns into Persian."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class ScheduleError(ValueError):
    """A schedule data file is wrong: the message names the file, the field and the reason."""
