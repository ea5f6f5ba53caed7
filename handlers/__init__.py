"""All handler registration, in one place and in order.

Group -10: a user whose saved state was unreadable is told to start over (handlers/recovery.py).
Group -3: the guards (handlers/guards.py): edited messages are not answers, and outside a
private chat nothing but a pointer to the private chat.
Group -1: payments arriving from Bale (handlers/payments.py `early()`, before any
conversation can take them), then commands and menu buttons that work at every step
(handlers/navigation.py), then cancel words and other requests typed inside a step
(handlers/understanding.py).
Group 0: the features, each a module whose `build()` returns its handlers, in the order
below, then typed text no step took (handlers/understanding.py), then the fallback that
answers anything else. Handlers are built anew for each
application: a ConversationHandler keeps its conversations in memory, so sharing one
object between two applications in a process (tests, benchmarks) would share state.
"""

from __future__ import annotations

import warnings

from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from handlers import (
    bills,
    branch_fee,
    calculator,
    errors,
    fallback,
    guards,
    incidents,
    info,
    my_requests,
    navigation,
    operators,
    outage,
    ownership,
    payments,
    ratings,
    recovery,
    self_reading,
    services,
    subscriptions,
    tariff_menu,
    tracking,
    understanding,
)

FEATURES: list = [outage, operators, subscriptions, bills, ownership, payments, ratings, tariff_menu,
                  calculator, branch_fee, self_reading, info, services, tracking, my_requests,
                  incidents]


def register(app: Application) -> None:
    """Register every handler of the bot on the application."""
    app.add_error_handler(errors.on_error)
    with warnings.catch_warnings():
        # Conversations are tracked per (chat, user), not per message, on purpose: a
        # button of an earlier message still reaches the conversation, and every callback
        # re-checks its data (ownership, stage), so PTB's per_message advice does not apply.
        warnings.filterwarnings("ignore", message="If 'per_message=False'",
                                category=PTBUserWarning)
        app.add_handlers(recovery.build(), group=recovery.LOST_GROUP)
        app.add_handlers(guards.build(), group=-3)
        app.add_handlers(payments.early(), group=-1)
        app.add_handlers(navigation.build(), group=-1)
        app.add_handlers(understanding.build_interrupts(), group=-1)
        for module in FEATURES:
            app.add_handlers(module.build(), group=0)
        app.add_handlers(understanding.build(), group=0)
        app.add_handlers(fallback.build(), group=0)
    recovery.guard_drafts(app, FEATURES)
