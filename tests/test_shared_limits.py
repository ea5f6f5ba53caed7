"""Lookup limits are shared state (issue 14, item 6): they hold across processes on both
engines, also when the processes count the same user at the same moment."""

from __future__ import annotations

import asyncio

from bot.store import open_store


async def test_lookups_at_once_from_two_processes_are_counted_exactly(store) -> None:
    other = await open_store(store.db.url if store.engine == "postgresql" else store.name)
    try:
        waits = await asyncio.gather(*[s.take_lookup("number", 77, 5, now=1000.0)
                                       for s in [store, other] * 10])
        # another user's bucket is their own, and a bucket that ran out is cleaned up
        assert await other.take_lookup("number", 78, 5, now=1000.0) == 0
        assert await store.take_lookup("track", 79, 5, now=1200.0) == 0
    finally:
        await other.close()
    assert waits.count(0) == 5 and all(w >= 1 for w in waits if w)
    assert await store.lookup_subjects() == 1
