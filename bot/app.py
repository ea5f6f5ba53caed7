"""The Application factory: one PTB Application for Telegram, Bale, the demo and the tests."""

from __future__ import annotations

import logging
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

from bot.commands import publish_commands
from bot.notify.flood import BotRateLimiter
from bot.notify.jobs import JobDeps, schedule_jobs
from bot.persistence import StorePersistence
from bot.platform import PlatformProfile, profile_for
from bot.sending import LimitedBot
from bot.services.catalog import use_home_schedule
from bot.settings import Settings
from bot.store import Store
from bot.text.i18n import default_locale
from bot.updates import PerChatUpdateProcessor

log = logging.getLogger(__name__)
DEMO_TOKEN = "7000000001:DEMO-no-network"


class AbfaApplication(Application):
    """An Application that carries the store and settings and saves state after every update."""

    store: Store
    settings: Settings
    profile: PlatformProfile

    async def initialize(self) -> None:
        """PTB's start-up (which loads the persisted state), then learn whose state could
        not be read (they are told to start over)."""
        await super().initialize()
        if isinstance(self.persistence, StorePersistence):
            await self.persistence.load_lost()

    async def process_update(self, update: object) -> None:
        """Handle an update, then write user/chat/conversation state at once (kill -9 safe).

        While it is handled, the update's user and chat are held: no other flush writes
        their half-changed state (see bot/persistence.py), only this one, after it.
        """
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
            await self.update_persistence()

    async def update_persistence(self) -> None:
        """PTB's update, then one transaction for everything it handed over."""
        await super().update_persistence()
        if isinstance(self.persistence, StorePersistence):
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


def build_application(
    settings: Settings,
    store: Store,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
) -> AbfaApplication:
    """Build the application with every handler registered.

    `request` replaces the network (the demo, tests and benchmarks pass a FakeBotAPI);
    without it the real Bot API of the configured platform is used, with a rate limiter
    (PTB's, whose flood answers hold one chat, not every chat: bot/notify/flood.py).
    """
    from handlers import register  # handlers import this module

    default_locale().check_usage()
    use_home_schedule(settings.tariff_schedule)
    profile = profile_for(settings)
    secret = token or (settings.token.get_secret_value() if settings.token else DEMO_TOKEN)
    bot = LimitedBot(  # every call fits the Bot API's limits (bot/sending.py)
        secret, base_url=profile.base_url, base_file_url=profile.base_file_url,
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(),
        rate_limiter=None if request is not None else BotRateLimiter(
            overall_max_rate=profile.messages_per_second, max_retries=3),
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
