"""Sliding-window limits on how often one user may look something up.

Lookups whose answer reveals whether something exists (a tracking code, a subscription
number, a bill ID) are limited per user, each kind on its own, to
`settings.lookups_per_minute`, so codes and numbers cannot be enumerated.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from weakref import WeakKeyDictionary


class SlidingWindow:
    """At most `limit` events per `window` seconds per key, kept in memory.

    In memory per process is enough for its purpose (slowing down code guessing): a
    restart forgets the counts, which only gives a guesser one fresh minute.
    """

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[int, deque[float]] = {}

    def wait(self, key: int) -> int:
        """Record an attempt: 0 if allowed, else the whole seconds until one is allowed."""
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(1, math.ceil(events[0] + self.window - now))
        events.append(now)
        return 0


_WINDOWS: WeakKeyDictionary[object, dict[str, SlidingWindow]] = WeakKeyDictionary()


def limiter_for(owner: object, kind: str, limit: int) -> SlidingWindow:
    """The window of one kind of lookup, kept with its owner (the running application)."""
    windows = _WINDOWS.setdefault(owner, {})
    if kind not in windows:
        windows[kind] = SlidingWindow(limit)
    return windows[kind]
