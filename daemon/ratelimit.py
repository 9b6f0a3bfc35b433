"""Keeps each QBO realm under Intuit's limits instead of running into them.

QBO allows 500 requests a minute, 40 batch requests a minute and about 10 in flight per
realm and app; going over costs a 429 *and* the backoff after it, so a throttled sync
runs slower than one that paces itself. The defaults leave a margin (450, 38, 8) for
clocks that disagree and for other apps of the same company. Threads wait for a slot:
blocking keeps the engine simple and means the limiter alone decides throughput.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: How soon to look again when every in-flight slot is taken (no window says when one frees).
IN_FLIGHT_POLL = 0.05


@dataclass(frozen=True)
class Limits:
    """Ceilings per key, per (unscaled) minute.

    Attributes:
        per_minute: requests of any kind (a batch counts as one).
        batch_per_minute: batch requests.
        concurrent: requests in flight at once.
    """

    per_minute: int = 450
    batch_per_minute: int = 38
    concurrent: int = 8


@dataclass
class _Key:
    requests: collections.deque[float] = field(default_factory=collections.deque)
    batches: collections.deque[float] = field(default_factory=collections.deque)
    in_flight: int = 0


class RateLimiter:
    """Sliding-window and concurrency limits per key (a realm id), shared by threads.

    Args:
        limits: the ceilings.
        time_scale: divides the one-minute window (BILLSYNC_TIME_SCALE), to match an
            emulator run with the same scale.
        clock: monotonic seconds; injectable for tests.
        on_wait: told the seconds each wait it imposes lasts (blocked in :meth:`slot`, or
            announced by :meth:`capacity`): the daemon's metrics.
    """

    def __init__(
        self,
        limits: Limits = Limits(),
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        on_wait: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        self.limits = limits
        self.on_wait = on_wait
        self.window = 60.0 / time_scale
        self.clock = clock
        self._keys: dict[str, _Key] = collections.defaultdict(_Key)
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, key: str, batch: bool = False) -> Iterator[None]:
        """Wait until a request (or a batch request) may be sent for ``key``; hold it meanwhile."""
        with self._changed:
            state = self._keys[key]
            asked, blocked = self.clock(), False
            while (wait := self._wait(state, batch)) != 0.0:
                blocked = True
                self._changed.wait(wait)
            now = self.clock()
            if blocked:
                self.on_wait(now - asked)
            state.requests.append(now)
            if batch:
                state.batches.append(now)
            state.in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                state.in_flight -= 1
                self._changed.notify_all()

    def capacity(self, key: str, batch: bool = False) -> tuple[int, float]:
        """How many requests (batch requests, with ``batch``) ``key`` could start now, and,
        when none, the seconds until one could: a caller with other work waits that long
        without holding a thread, instead of blocking in :meth:`slot`."""
        with self._changed:
            state = self._keys[key]
            wait = self._wait(state, batch)
            if wait != 0.0:
                wait = IN_FLIGHT_POLL if wait is None else wait
                self.on_wait(wait)
                return 0, wait
            free = [self.limits.per_minute - len(state.requests), self.limits.concurrent - state.in_flight]
            if batch:
                free.append(self.limits.batch_per_minute - len(state.batches))
            return min(free), 0.0

    def _wait(self, state: _Key, batch: bool) -> float | None:
        """0 when admitted now; else seconds until a window slot frees (None: until a release)."""
        horizon = self.clock() - self.window
        waits: list[float | None] = []
        for hits, limit in (
            (state.requests, self.limits.per_minute),
            (state.batches, self.limits.batch_per_minute if batch else None),
        ):
            while hits and hits[0] <= horizon:
                hits.popleft()
            if limit is not None and len(hits) >= limit:
                waits.append(hits[0] - horizon)
        if state.in_flight >= self.limits.concurrent:
            waits.append(None)
        if not waits:
            return 0.0
        timed = [w for w in waits if w is not None]
        return max(timed) if timed else None
