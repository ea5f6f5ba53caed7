"""Limits on how often one user may look something up.

Lookups whose answer reveals whether something exists — a subscription number, bill
ID or bill and payment ID pair (kind `number`, in every flow that takes one: bills and
the bank-style inquiry, «my subscriptions», the service request's subscription step), a
tracking code (kind `track`) and a payment ID offered as proof of ownership (kind
`proof`) — are limited per user,
each kind on its own, to `settings.lookups_per_minute`: a burst of that many, then one
more every minute / limit. The counts live in the database (bot/store/limits.py), so
they hold across processes and restarts, and an idle user's row is deleted.
"""

from __future__ import annotations

from bot.runtime.settings import Settings
from bot.store.interface import Store

WINDOW = 60.0  # seconds


async def lookup_wait(store: Store, settings: Settings, kind: str, who: int) -> int:
    """Count one lookup of `kind` by `who`: 0 when allowed, else the whole seconds to
    wait (then nothing may be looked up)."""
    return await store.take_lookup(kind, who, settings.lookups_per_minute, WINDOW)
