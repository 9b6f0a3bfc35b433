"""Request limits shared by both emulators: sliding windows, a concurrency cap, a time scale.

Real APIs count requests per minute; benchmarks cannot wait minutes, so every window is
divided by ``time_scale`` (10 means a "minute" lasts six seconds) while the counts stay
the same. The ratio of a client's throughput to the ceiling is therefore preserved.
"""

from __future__ import annotations

import collections
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests in any window of ``seconds`` (unscaled)."""

    count: int
    seconds: float = 60.0


class RateLimiter:
    """A sliding-window counter per key (a realm, a token)."""

    def __init__(self, limit: Limit, time_scale: float = 1.0, clock: Callable[[], float] | None = None) -> None:
        self.limit = limit
        self.window = limit.seconds / time_scale
        self.clock = clock or (lambda: time.monotonic())  # looked up when called: tests stop the module's clock
        self._hits: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def try_acquire(self, key: str) -> float:
        """Count one request; return 0 if admitted, else real seconds until a slot frees."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit.count:
                return hits[0] + self.window - now
            hits.append(now)
            return 0.0

    def remaining(self, key: str) -> int:
        """Requests still admitted in the current window."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            return max(0, self.limit.count - sum(1 for t in hits if t > now - self.window))

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class ConcurrencyLimiter:
    """At most ``limit`` requests in flight per key; the excess is refused, not queued."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, key: str) -> Iterator[bool]:
        """Yield True while holding a slot, False when the key is already at its limit."""
        with self._lock:
            admitted = self._in_flight[key] < self.limit
            if admitted:
                self._in_flight[key] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._in_flight[key] -= 1
