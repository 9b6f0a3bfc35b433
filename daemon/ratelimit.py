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
    """Ceilings per key, per (unscaled) minute or second: QBO's own.

    Each window counts a request from when it is sent until a window's length after its
    answer came. QBO counts it when it arrives, at some moment in between, so whatever a
    request's latency and however unevenly requests travel, every one QBO counts in any of
    its windows is one counted here at that window's last instant: no more than the limit
    ever arrive in one of QBO's windows. The ceilings can therefore be QBO's, with no margin
    for clocks or jitter; what latency costs is the time a request is counted past its
    arrival, a second's worth of ``per_second`` at a latency of a second. (Counted from
    sending only, a 200 ms scaled second met 429s from arrival jitter on a loaded machine.)
    Writes a minute are ``batch_per_minute`` x 30 plus the singles left over
    (``per_minute - batch_per_minute - READ_RESERVE``): 1,200 + 450 = 1,650, 1.375 times
    the 1,200 of batches alone.

    Attributes:
        per_minute: requests of any kind (a batch counts as one).
        batch_per_minute: batch requests.
        concurrent: requests in flight at once (QBO's "about 10", kept under).
        per_second: requests of any kind; without it single writes started at once would
            spend the minute's room in its first second.
    """

    per_minute: int = 500
    batch_per_minute: int = 40
    concurrent: int = 8
    per_second: int = 10


@dataclass
class _Window:
    """One of QBO's limits as this side counts it: the requests in flight, and the answers
    that came less than ``span`` ago (a span of 0 makes it a cap on requests in flight)."""

    limit: int
    span: float
    in_flight: int = 0
    answered: collections.deque[float] = field(default_factory=collections.deque)

    def room(self, now: float) -> int:
        while self.answered and self.answered[0] <= now - self.span:
            self.answered.popleft()
        return self.limit - len(self.answered) - self.in_flight

    def frees_in(self, now: float) -> float | None:
        """Seconds until a counted request leaves the window (None: until an answer comes)."""
        return self.answered[0] + self.span - now if self.answered else None

    def sent(self) -> None:
        self.in_flight += 1

    def done(self, now: float) -> None:
        self.in_flight -= 1
        if self.span:
            self.answered.append(now)


@dataclass
class _Key:
    minute: _Window
    second: _Window
    batches: _Window
    concurrent: _Window

    def windows(self, batch: bool) -> tuple[_Window, ...]:
        return (self.minute, self.second, self.concurrent, *((self.batches,) if batch else ()))


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
        self._keys: dict[str, _Key] = {}
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, key: str, batch: bool = False) -> Iterator[None]:
        """Wait until a request (or a batch request) may be sent for ``key``; hold it meanwhile.
        A cycle gives up its turn while it waits (``turns``), never while it holds the lock."""
        asked, blocked = self.clock(), False
        while True:
            with self._changed:
                windows = self._key(key).windows(batch)
                if self._wait(windows) == 0.0:
                    if blocked:
                        self.on_wait(self.clock() - asked)
                    for window in windows:
                        window.sent()
                    break
            blocked = True
            with turns.released(), self._changed:
                while (wait := self._wait(windows)) != 0.0:
                    self._changed.wait(wait)
        try:
            yield
        finally:
            with self._changed:
                now = self.clock()
                for window in windows:
                    window.done(now)
                self._changed.notify_all()

    def capacity(self, key: str, batch: bool = False, announce: bool = True) -> tuple[int, float]:
        """How many requests (batch requests, with ``batch``) ``key`` could start now, and,
        when none, the seconds until one could: a caller with other work waits that long
        without holding a thread, instead of blocking in :meth:`slot`. Without ``announce``
        that wait is not told to ``on_wait``: the caller may send other requests instead."""
        with self._changed:
            windows = self._key(key).windows(batch)
            wait = self._wait(windows)
            if wait != 0.0:
                wait = IN_FLIGHT_POLL if wait is None else wait
                if announce:
                    self.on_wait(wait)
                return 0, wait
            now = self.clock()
            return min(window.room(now) for window in windows), 0.0

    def singles(self, key: str, sending: int = 0) -> tuple[int, float]:
        """How many single requests ``key`` could start now besides ``sending`` batches about
        to leave, keeping in the minute room for every batch the window still allows and for
        :data:`READ_RESERVE` reads; when none, the seconds until one could. Announces no
        wait: a caller that has batches to send is not waiting."""
        with self._changed:
            state, now = self._key(key), self.clock()
            unused_batches = max(0, state.batches.room(now))
            rooms = [
                (state.minute.room(now) - unused_batches - READ_RESERVE, state.minute),
                (state.second.room(now) - sending, state.second),
                (state.concurrent.room(now) - sending, state.concurrent),
            ]
            free = min(room for room, _ in rooms)
            if free > 0:
                return free, 0.0
            waits = [window.frees_in(now) for room, window in rooms if room <= 0]
            return 0, max(IN_FLIGHT_POLL if wait is None else wait for wait in waits)

    def unused_batches(self, key: str) -> int:
        """The batch requests ``key`` may still send in the window as it stands."""
        with self._changed:
            return max(0, self._key(key).batches.room(self.clock()))

    def _key(self, key: str) -> _Key:
        if key not in self._keys:
            limits = self.limits
            self._keys[key] = _Key(
                minute=_Window(limits.per_minute, self.window),
                second=_Window(limits.per_second, self.second),
                batches=_Window(limits.batch_per_minute, self.window),
                concurrent=_Window(limits.concurrent, 0.0),
            )
        return self._keys[key]

    def _wait(self, windows: tuple[_Window, ...]) -> float | None:
        """0 when admitted now; else seconds until a window has room (None: until an answer)."""
        now = self.clock()
        full = [window.frees_in(now) for window in windows if window.room(now) <= 0]
        if not full:
            return 0.0
        timed = [wait for wait in full if wait is not None]
        return max(timed) if timed else None
