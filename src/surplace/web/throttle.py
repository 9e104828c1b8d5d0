"""Per-address throttling of sign-in attempts, on top of the per-account lock-out.

The lock-out stops guessing one account's password; this stops one address from trying many
accounts (password spraying) or locking everyone out. A sliding window in memory: counts are per
server process and vanish on restart, which is enough for a single-process server and needs no
extra store. Hand-written because the rate-limit libraries for Starlette limit every request
by route, while only *failed* sign-ins should count here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class SlidingWindow:
    """At most ``limit`` events per key in any ``window`` seconds."""

    def __init__(self, *, limit: int = 10, window: float = 600.0,
                 max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            events = deque()
            self._events[key] = events
            while len(self._events) > self.max_keys:  # forget the quietest addresses first
                self._events.popitem(last=False)
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            return len(self._recent(key, moment)) >= self.limit

    def hit(self, key: str, now: float | None = None) -> bool:
        """Count one event; returns whether the key is now blocked."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            events = self._recent(key, moment)
            events.append(moment)
            self._events.move_to_end(key)
            return len(events) >= self.limit

    def retry_after(self, key: str, now: float | None = None) -> int:
        """Seconds until the key may try again (0 when it may now)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            events = self._recent(key, moment)
            if len(events) < self.limit:
                return 0
            return max(1, int(events[-self.limit] + self.window - moment) + 1)
