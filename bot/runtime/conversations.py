"""Conversations seen from outside them: end them (menu, /cancel, errors), see which step
waits for typed input, and enter a step (a typed request starts a flow).

PTB has no public API to end a conversation from another handler, so this uses
ConversationHandler's `_get_key` and `_update_state` (PTB 22). Drafts follow one
convention: a conversation named N keeps its half-entered data in `user_data[N]`,
so ending it also discards the draft ("/cancel keeps nothing half-done").
"""

from __future__ import annotations

from collections.abc import Iterator

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler


def conversation_handlers(app: Application) -> Iterator[ConversationHandler]:
    """Every ConversationHandler registered in the application, nested ones included."""

    def walk(handlers: list[BaseHandler]) -> Iterator[ConversationHandler]:
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                yield handler
                for state_handlers in handler.states.values():
                    yield from walk(state_handlers)

    for group in app.handlers.values():
        yield from walk(group)


def end_conversations(app: Application, update: Update, user_data: dict | None) -> list[str]:
    """End every conversation the user is in and drop their drafts; return the names."""
    ended = []
    for conv in conversation_handlers(app):
        try:
            key = conv._get_key(update)
        except RuntimeError:
            continue
        if conv._conversations.get(key) is not None:
            conv._update_state(ConversationHandler.END, key)
            ended.append(conv.name or "")
        if user_data is not None and conv.name:
            user_data.pop(conv.name, None)
    return ended


def enter_conversation(app: Application, update: Update, name: str, state: object) -> None:
    """Put the user into `state` of the conversation called `name` (END leaves it), for a
    flow entered from outside its own handlers (e.g. a free-text router calling an entry
    point). Uses the same private API as `end_conversations`."""
    for conv in conversation_handlers(app):
        if conv.name != name:
            continue
        key = conv._get_key(update)
        if state == ConversationHandler.END and conv._conversations.get(key) is None:
            return
        conv._update_state(state, key)
        return


def _state(conv: ConversationHandler, update: Update) -> object | None:
    try:
        return conv._conversations.get(conv._get_key(update))
    except RuntimeError:
        return None


def waiting_steps(app: Application, update: Update) -> list[str]:
    """The conversations whose current step would take this update (a step that waits for
    typed input, when the update is a text)."""
    names = []
    for conv in conversation_handlers(app):
        state = _state(conv, update)
        if state is None:
            continue
        handlers = [*conv.states.get(state, []), *conv.fallbacks]
        if any(not isinstance(h, ConversationHandler) and h.check_update(update) not in (None, False)
               for h in handlers):
            names.append(conv.name or "")
    return names
