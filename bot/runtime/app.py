"""The Application factory: one PTB Application for Telegram, Bale, the demo and the tests."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, cast

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    ExtBot,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.notify.flood import BotRateLimiter
from bot.notify.jobs import JobDeps, schedule_jobs
from bot.runtime.aiohttp_request import AiohttpRequest
from bot.runtime.commands import publish_commands
from bot.runtime.persistence import StorePersistence
from bot.runtime.platform import PlatformProfile, profile_for
from bot.runtime.sending import LimitedBot
from bot.runtime.settings import Settings
from bot.runtime.updates import PerChatUpdateProcessor
from bot.services.catalog import use_home_schedule
from bot.store import Store
from bot.text.i18n import default_locale

log = logging.getLogger(__name__)
DEMO_TOKEN = "7000000001:DEMO-no-network"
RECENT_UPDATES = 10_000  # update ids remembered in memory against webhook retries


class AbfaApplication(Application):
    """An Application that carries the store and settings and saves state after every update."""

    store: Store
    settings: Settings
    profile: PlatformProfile

    handled_floor = 0  # the highest update id handled when this process started

    async def initialize(self) -> None:
        """PTB's start-up (which loads the persisted state), then learn whose state could
        not be read (they are told to start over) and where the updates handled before
        this process (an earlier leader) end: getUpdates goes on after them."""
        await super().initialize()
        if isinstance(self.persistence, StorePersistence):
            await self.persistence.load_lost()
        self.handled_floor = await self.store.last_handled_update()
        if self.updater is not None and self.handled_floor:
            # PTB keeps its getUpdates offset here; polling starts after the stored one
            self.updater._last_update_id = max(self.updater._last_update_id,
                                               self.handled_floor + 1)

    async def process_update(self, update: object) -> None:
        """Handle an update, then write user/chat/conversation state at once (kill -9
        safe), recording the update as handled in the same transaction; an update handled
        already (a webhook retry, or by an earlier leader) is skipped.

        While it is handled, the update's user and chat are held: no other flush writes
        their half-changed state (see bot/runtime/persistence.py), only this one, after it.
        """
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None and await self._seen(update_id):
            log.info("update %d was handled already: skipped", update_id)
            return
        owners = update_owners(update)
        persistence = self.persistence if isinstance(self.persistence, StorePersistence) else None
        if persistence is not None:
            persistence.hold(owners)
        try:
            await super().process_update(update)
        finally:
            if persistence is not None:
                persistence.release(owners)
        if self.persistence is not None:
            # collected again now, at the boundary, even if no handler ran (a snapshot
            # another flush took mid-update must not be the one that stays)
            chat, user = _chat_and_user(update)
            self.mark_data_for_update_persistence(
                chat_ids=chat if chat in self.chat_data else None,
                user_ids=user if user in self.user_data else None)
            await self.update_persistence(handled=(update_id, owners)
                                          if update_id is not None else None)

    async def _seen(self, update_id: int) -> bool:
        """Whether this update was handled (or is being handled) already; remembers it."""
        recent = self.__dict__.setdefault("_recent_updates", {})
        if update_id in recent:
            return True
        if update_id <= self.handled_floor and await self.store.update_handled(update_id):
            return True
        recent[update_id] = None
        if len(recent) > RECENT_UPDATES:
            del recent[next(iter(recent))]
        return False

    async def update_persistence(
        self, handled: tuple[int, Collection[int]] | None = None
    ) -> None:
        """PTB's update, then one transaction for everything it handed over (and the
        update whose handling produced it, with its users and chats)."""
        await super().update_persistence()
        if isinstance(self.persistence, StorePersistence):
            if handled is not None:
                self.persistence.handled(*handled)
            await self.persistence.commit()


class Ctx(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context handlers receive: PTB's, plus the store and settings."""

    @property
    def app(self) -> AbfaApplication:
        """The running application."""
        return cast(AbfaApplication, self.application)

    @property
    def store(self) -> Store:
        """The bot's store."""
        return self.app.store

    @property
    def settings(self) -> Settings:
        """The bot's settings."""
        return self.app.settings

    @property
    def profile(self) -> PlatformProfile:
        """Telegram or Bale differences."""
        return self.app.profile


def bot_request(settings: Settings) -> BaseRequest:
    """The request layer of the Bot API calls (not the long poll), per the settings.

    A pool of `connection_pool` kept-alive connections (replies to many chats at once
    reuse them instead of opening new ones), on aiohttp (bot/runtime/aiohttp_request.py, the
    default: half of httpx's CPU a call) or PTB's HTTPXRequest. With httpx,
    `http_version` 2 asks for HTTP/2 with HTTP/1.1 still allowed, so a server that does
    not offer HTTP/2 in TLS's ALPN (or a plain http:// local Bot API) is spoken to in
    HTTP/1.1; without the h2 package it stays HTTP/1.1 and says so in the log.
    """
    if settings.http_client == "aiohttp":
        if settings.http_version == "2":
            log.warning("ABFA_HTTP_VERSION=2 needs ABFA_HTTP_CLIENT=httpx; using HTTP/1.1")
        return AiohttpRequest(connection_pool_size=settings.connection_pool)
    options: dict[str, Any] = {"connection_pool_size": settings.connection_pool}
    if settings.http_version == "2":
        try:
            import h2  # noqa: F401  (httpx's HTTP/2 needs it)
        except ImportError:
            log.warning("ABFA_HTTP_VERSION=2 needs the h2 package; using HTTP/1.1")
        else:
            options |= {"http_version": "2", "httpx_kwargs": {"http1": True}}
    return HTTPXRequest(**options)


def build_application(
    settings: Settings,
    store: Store,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    limited: bool | None = None,
) -> AbfaApplication:
    """Build the application with every handler registered.

    `request` replaces the network (the demo, tests and benchmarks pass a FakeBotAPI);
    without it the real Bot API of the configured platform is used (`bot_request`), with
    a rate limiter (PTB's, whose flood answers hold one chat, not every chat:
    bot/notify/flood.py); `limited` forces the limiter on or off.
    """
    from handlers import register  # handlers import this module

    default_locale().check_usage()
    use_home_schedule(settings.tariff_schedule)
    profile = profile_for(settings)
    limited = request is None if limited is None else limited
    secret = token or (settings.token.get_secret_value() if settings.token else DEMO_TOKEN)
    bot = LimitedBot(  # every call fits the Bot API's limits (bot/runtime/sending.py)
        secret, base_url=profile.base_url, base_file_url=profile.base_file_url,
        request=request or bot_request(settings),
        get_updates_request=request or HTTPXRequest(),
        rate_limiter=BotRateLimiter(overall_max_rate=profile.messages_per_second,
                                    max_retries=3) if limited else None,
        arbitrary_callback_data=False,
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(AbfaApplication)
        .bot(bot)
        .persistence(StorePersistence(store))
        .context_types(ContextTypes(context=Ctx))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(publish_commands)
    )
    app = cast(AbfaApplication, builder.build())
    app.store = store
    app.settings = settings
    app.profile = profile
    register(app)
    schedule_jobs(app, JobDeps(store, settings, profile.messages_per_second,
                               profile.messages_per_chat_second))
    return app


def _chat_and_user(update: object) -> tuple[int | None, int | None]:
    if not isinstance(update, Update):
        return None, None
    chat, user = update.effective_chat, update.effective_user
    return (chat.id if chat else None), (user.id if user else None)


def update_owners(update: object) -> set[int]:
    """The chat and user ids whose persisted state an update may change."""
    return {owner for owner in _chat_and_user(update) if owner is not None}


def update_summary(update: object) -> str:
    """A short, token-free description of an update for the logs."""
    if isinstance(update, Update):
        user = update.effective_user.id if update.effective_user else None
        chat = update.effective_chat.id if update.effective_chat else None
        kind = "callback" if update.callback_query else "message" if update.message else "other"
        return f"update {update.update_id} ({kind}) user={user} chat={chat}"
    return repr(update)[:200]
