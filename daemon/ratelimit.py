"""Keeps each QBO realm under Intuit's limits instead of running into them.

QBO allows 500 requests a minute, 10 a second, 40 batch requests a minute and about 10 in
flight per realm and app ("500 requests per minute per realm ID", "10 requests per second,
per realm ID and app", batch "Throttled at 40 Batch requests per minute, per realm ID and
app": developer.intuit.com, *API call limits and throttles*; 10 concurrent: Intuit developer
blog, 2016); going over costs a 429 *and* the backoff after it, so a throttled sync runs
slower than one that paces itself. Threads wait for a slot: blocking keeps the engine
simple and means the limiter alone decides throughput; a cycle that waits gives its turn
to work up meanwhile (``turns``).

Writes go in batches first (30 objects a request) and in single requests with what the
minute leaves over: :meth:`RateLimiter.singles` counts the room while keeping back the
batches the window still allows and :data:`READ_RESERVE` for reads.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from billsync.daemon import turns

#: How soon to look again when every in-flight slot is taken (no window says when one frees).
IN_FLIGHT_POLL = 0.05
#: Requests a minute that single writes leave to reads (preferences, CDC, look-ups, a
#: Status glance) while batches take the rest of the window.
READ_RESERVE = 10


@dataclass(frozen=True)
class Limits:
    """Ceilings per key, per (unscaled) minute or second.

    The margins under QBO's ceilings (500, 40, 10 a second, 10 in flight) are small: both
    ends count in sliding windows and a request is stamped here when sent, before QBO
    stamps its arrival, so a clock that disagrees costs little. A wider margin costs
    throughput: writes a minute are ``batch_per_minute`` x 30 plus the singles left over
    (``per_minute - batch_per_minute - READ_RESERVE``), 1,170 + 431 = 1,601 with these,
    1.33 times the 1,200 of batches alone (450 and 38 would give 1.29).

    Attributes:
        per_minute: requests of any kind (a batch counts as one).
        batch_per_minute: batch requests.
        concurrent: requests in flight at once.
        per_second: requests of any kind; without it single writes started at once would
            spend the minute's room in its first second. A request counts in it from when
            it is sent until a second after its answer: QBO counts it when it arrives, at
            any moment in between, so requests delayed unevenly on their way cannot crowd
            into one of QBO's seconds. (Counted from sending, a 200 ms scaled second met
            429s from arrival jitter alone on a loaded machine.)
    """

    per_minute: int = 480
    batch_per_minute: int = 39
    concurrent: int = 8
    per_second: int = 9


@dataclass
class _Key:
    requests: collections.deque[float] = field(default_factory=collections.deque)
    #: When the answers of the requests no longer in flight came.
    answered: collections.deque[float] = field(default_factory=collections.deque)
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
        self.second = 1.0 / time_scale
        self.clock = clock
        self._keys: dict[str, _Key] = collections.defaultdict(_Key)
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, key: str, batch: bool = False) -> Iterator[None]:
        """Wait until a request (or a batch request) may be sent for ``key``; hold it meanwhile.
        A cycle gives up its turn while it waits (``turns``), never while it holds the lock."""
        asked, blocked = self.clock(), False
        while True:
            with self._changed:
                state = self._keys[key]
                if self._wait(state, batch) == 0.0:
                    now = self.clock()
                    if blocked:
                        self.on_wait(now - asked)
                    state.requests.append(now)
                    if batch:
                        state.batches.append(now)
                    state.in_flight += 1
                    break
            blocked = True
            with turns.released(), self._changed:
                while (wait := self._wait(state, batch)) != 0.0:
                    self._changed.wait(wait)
        try:
            yield
        finally:
            with self._changed:
                state.in_flight -= 1
                state.answered.append(self.clock())
                self._changed.notify_all()

    def capacity(self, key: str, batch: bool = False, announce: bool = True) -> tuple[int, float]:
        """How many requests (batch requests, with ``batch``) ``key`` could start now, and,
        when none, the seconds until one could: a caller with other work waits that long
        without holding a thread, instead of blocking in :meth:`slot`. Without ``announce``
        that wait is not told to ``on_wait``: the caller may send other requests instead."""
        with self._changed:
            state = self._keys[key]
            wait = self._wait(state, batch)
            if wait != 0.0:
                wait = IN_FLIGHT_POLL if wait is None else wait
                if announce:
                    self.on_wait(wait)
                return 0, wait
            free = [
                self.limits.per_minute - len(state.requests),
                self.limits.per_second - len(state.answered) - state.in_flight,
                self.limits.concurrent - state.in_flight,
            ]
            if batch:
                free.append(self.limits.batch_per_minute - len(state.batches))
            return min(free), 0.0

    def singles(self, key: str, sending: int = 0) -> tuple[int, float]:
        """How many single requests ``key`` could start now besides ``sending`` batches about
        to leave, keeping in the minute room for every batch the window still allows and for
        :data:`READ_RESERVE` reads; when none, the seconds until one could. Announces no
        wait: a caller that has batches to send is not waiting."""
        with self._changed:
            state = self._keys[key]
            limits, now, unused_batches = self.limits, self.clock(), self._unused_batches(state)
            rooms = [
                (limits.per_minute - len(state.requests) - unused_batches - READ_RESERVE, state.requests, self.window),
                (limits.per_second - len(state.answered) - state.in_flight - sending, state.answered, self.second),
                (limits.concurrent - state.in_flight - sending, None, 0.0),
            ]
            free = min(room for room, _, _ in rooms)
            if free > 0:
                return free, 0.0
            waits = [hits[0] + span - now if hits else IN_FLIGHT_POLL for room, hits, span in rooms if room <= 0]
            return 0, max(waits)

    def unused_batches(self, key: str) -> int:
        """The batch requests ``key`` may still send in the window as it stands."""
        with self._changed:
            return self._unused_batches(self._keys[key])

    def _unused_batches(self, state: _Key) -> int:
        self._wait(state, batch=True)  # drops what left the windows
        return max(0, self.limits.batch_per_minute - len(state.batches))

    def _wait(self, state: _Key, batch: bool) -> float | None:
        """0 when admitted now; else seconds until a window slot frees (None: until a release)."""
        now = self.clock()
        waits: list[float | None] = []
        for hits, limit, span in (
            (state.requests, self.limits.per_minute, self.window),
            (state.answered, self.limits.per_second - state.in_flight, self.second),
            (state.batches, self.limits.batch_per_minute if batch else None, self.window),
        ):
            horizon = now - span
            while hits and hits[0] <= horizon:
                hits.popleft()
            if limit is not None and len(hits) >= limit:
                waits.append(hits[0] - horizon if hits else None)
        if state.in_flight >= self.limits.concurrent:
            waits.append(None)
        if not waits:
            return 0.0
        timed = [w for w in waits if w is not None]
        return max(timed) if timed else None
