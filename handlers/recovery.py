"""Starting over when saved state is missing, instead of crashing or going silent.

* A user (or chat) whose persisted state could not be read at start-up (bot/runtime/persistence.py
  set the row aside) is told once, on their next update, that their unfinished work was
  lost: their conversations end, their drafts go, they get the main menu (group
  `LOST_GROUP`, before every other handler).
* Every step that reads its conversation's draft (`user_data[name]`; a module lists those
  states in `DRAFT_STATES`) first checks that the draft is there. If it is not, the user
  is told so and the module's `restart` step begins the flow again (without one, the
  conversation ends at the main menu). Persistence writes a conversation's state and its
  draft at the same update boundary, so this happens only when a row was lost.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ConversationHandler, TypeHandler

from bot.runtime.app import Ctx, update_owners, update_summary
from bot.runtime.conversations import conversation_handlers, end_conversations
from bot.runtime.persistence import StorePersistence
from bot.services.drafts import discard_parked
from bot.text.i18n import t
from bot.text.keyboards import main_menu
from handlers.common import answer_query, reply

log = logging.getLogger(__name__)
LOST_GROUP = -10
Callback = Callable[[Update, Ctx], Awaitable[Any]]


async def state_lost(update: Update, ctx: Ctx) -> None:
    """Tell a user whose saved state was unreadable to start over (once)."""
    persistence = ctx.application.persistence
    if not isinstance(persistence, StorePersistence) or not persistence.lost:
        return
    owners = update_owners(update) & persistence.lost.keys()
    if not owners or update.effective_chat is None:
        return
    log.warning("saved state of %s was unreadable: starting over", update_summary(update))
    end_conversations(ctx.application, update, ctx.user_data)
    discard_parked(ctx.user_data)
    await answer_query(update)
    await reply(update, t("errors.state_lost"), main_menu())
    await persistence.forget_lost(owners)
    raise ApplicationHandlerStop


def needs_draft(name: str, callback: Callback, restart: Callback | None) -> Callback:
    """`callback`, run only when the draft `user_data[name]` exists; else say so and restart."""

    @functools.wraps(callback)
    async def guarded(update: Update, ctx: Ctx) -> Any:
        if ctx.user_data is not None and name in ctx.user_data:
            return await callback(update, ctx)
        log.warning("draft %s missing for %s: starting over", name, update_summary(update))
        if restart is None:
            await answer_query(update)
            await reply(update, t("errors.draft_lost"), main_menu())
            return ConversationHandler.END
        await reply(update, t("errors.draft_lost"))
        return await restart(update, ctx)

    return guarded


def guard_drafts(app: Any, modules: list[ModuleType]) -> None:
    """Wrap the draft-reading steps of every module's conversation (see the module doc)."""
    declared = {getattr(module, "DRAFT_CONVERSATION", getattr(module, "NAME", "")): module
                for module in modules if hasattr(module, "DRAFT_STATES")}
    for conv in conversation_handlers(app):
        module = declared.get(conv.name or "")
        if module is None:
            continue
        restart = getattr(module, "restart", None)
        for state in module.DRAFT_STATES:
            for handler in conv.states[state]:
                handler.callback = needs_draft(conv.name, handler.callback, restart)


def build() -> list:
    """This module's handler (registered in its own group, before all others)."""
    return [TypeHandler(Update, state_lost)]
