"""Settings from environment variables (prefix ABFA_) and an optional `.env` file."""

from __future__ import annotations

import os
import string
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Platform(StrEnum):
    """Which messenger the bot talks to."""

    TELEGRAM = "telegram"
    BALE = "bale"


PAY_URL_FIELDS = frozenset({"bill_id", "payment_id", "amount"})
SECRET_FIELDS = frozenset({"token", "webhook_secret", "pay_provider_token"})


class SettingsError(ValueError):
    """A setting is wrong; the message names the environment variable."""


class Settings(BaseSettings):
    """Everything configurable. Each field is read from ABFA_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="ABFA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = Field(None, description="Bot token from BotFather / Bale")
    platform: Platform = Platform.TELEGRAM
    base_url: str | None = Field(None, description="Bot API base URL override")
    base_file_url: str | None = Field(None, description="Bot API file URL override")
    database: str = Field("data/abfa.sqlite3",
                          description="SQLite file, or postgresql://user:password@host/db")
    demo_database: str = Field("data/demo.sqlite3", description="the console demo's database")
    operators: Annotated[frozenset[int], NoDecode] = frozenset()
    operators_chat: int | None = None
    webhook_url: str | None = None
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"
    webhook_secret: SecretStr | None = None
    log_level: str = "INFO"
    emergency_phone: str = "۱۲۲"
    max_document_mb: int = Field(10, ge=1, le=50)
    messages_per_second: float | None = Field(None, gt=0, description="platform default if unset")
    messages_per_chat_second: float | None = Field(None, gt=0)
    http_client: Literal["httpx", "aiohttp"] = Field(
        "aiohttp", description="the HTTP client of Bot API calls: aiohttp costs half of "
        "httpx's CPU a call (docs/performance.md); httpx for HTTP/2")
    http_version: Literal["1.1", "2"] = Field(
        "1.1", description="2 (with ABFA_HTTP_CLIENT=httpx): HTTP/2 to the Bot API where the "
        "server offers it (TLS ALPN), HTTP/1.1 where not; needs the h2 package "
        "(pip install 'httpx[http2]')")
    connection_pool: int = Field(64, ge=1, le=1024,
                                 description="most connections open to the Bot API at once")
    reminder_days: int = Field(3, ge=0, le=30)
    lookups_per_minute: int = Field(10, ge=1, description="per user, per kind of lookup")
    pay_provider_token: SecretStr | None = Field(
        None, description="Bale payments: the card number or wallet token money goes to")
    pay_url: str | None = Field(
        None, description="payment page URL with {bill_id}, {payment_id}, {amount} placeholders")
    bot_username: str | None = Field(None, description="the bot's username, for deep links")
    tariff_schedule: str = Field("east-azarbaijan-urban-1398",
                                 description="the utility's own schedule: its places and branch fees")

    @field_validator("operators", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("database", "demo_database", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> object:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("tariff_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from tariffs import TariffError, get_schedule

        try:
            return get_schedule(value).id
        except TariffError:
            raise ValueError("not a tariff schedule id (python -m tariffs schedules)") from None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("base_url", "base_file_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("pay_url")
    @classmethod
    def _pay_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            names = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
        except ValueError as exc:
            raise ValueError(f"not a template: {exc}") from None
        unknown = names - PAY_URL_FIELDS
        if unknown:
            raise ValueError(f"unknown placeholders {sorted(unknown)}; use {sorted(PAY_URL_FIELDS)}")
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        name = (value or "").strip().lstrip("@")
        if value is not None and name and not name.replace("_", "").isalnum():
            raise ValueError("letters, digits and _ only (the bot's @username)")
        return name or None

    @model_validator(mode="after")
    def _webhook_needs_https(self) -> Settings:
        if self.webhook_url and not self.webhook_url.startswith("https://"):
            raise ValueError("ABFA_WEBHOOK_URL must be https:// (Telegram and Bale require TLS)")
        return self

    @property
    def has_token(self) -> bool:
        """Whether a real bot token is configured."""
        return bool(self.token and self.token.get_secret_value().strip())

    @property
    def provider_token(self) -> str | None:
        """The Bale payment provider token, if one is set."""
        value = self.pay_provider_token.get_secret_value().strip() if self.pay_provider_token else ""
        return value or None

    def is_operator(self, user_id: int | None) -> bool:
        """Whether this Telegram/Bale user is a configured operator."""
        return user_id is not None and user_id in self.operators


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning validation errors into one message naming each variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            name = f"ABFA_{field.upper()}" if field else "settings"
            lines.append(f"{name}: {err['msg']} (got {_shown(err.get('input'), field)})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


def _shown(value: object, field: str) -> str:
    if field in SECRET_FIELDS:
        return "<hidden>"
    if field in {"database", "demo_database"} and isinstance(value, str):
        return repr(without_password(value))
    return repr(value)


def without_password(url: str) -> str:
    """A database setting safe to show: the password of a URL replaced by ***."""
    parts = urlsplit(url)
    if not parts.scheme or parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
