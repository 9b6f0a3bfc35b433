"""Turns to work: at most so many cycles work at once, and a cycle that waits gives its turn up.

The scheduler runs each active cycle on a thread of its own, and a cycle's step runs only
while it holds a turn (``BILLSYNC_WORKERS`` of them). A wait inside a step - Clio's pacing
(``clio.client``), a retry's backoff (``http``), a QBO realm's limits (``ratelimit``) - goes
through :func:`pause` or :func:`released`, which hand the turn to the next cycle for as long
as the wait lasts, and take a turn again after it. So a large firm waiting on its Clio
account's limits holds no turn, and a small firm's sync goes on meanwhile.

A thread holding no turn (an RPC, a test, a benchmark) waits as a plain sleep.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Stopping(BaseException):  # noqa: N818 - not an error: a BaseException passes ``except Exception``
    """The daemon is stopping: unwinds a cycle from a wait, as ``GeneratorExit`` would,
    past the handlers that record a failure."""


class _Ticket:
    """A thread's place in the queue: set once it is handed a turn, or once the daemon stops."""

    def __init__(self) -> None:
        self.called = threading.Event()
        self.handed = False


class Turns:
    """``count`` turns, handed in the order asked for, and a stop that wakes every waiter.

    A turn given back goes straight to the oldest waiter (only its thread wakes), so a
    thousand cycles waiting cost nothing until their turn comes."""

    def __init__(self, count: int, on_release: Callable[[], None] = lambda: None) -> None:
        """``on_release`` is called in a thread each time it gives its turn up (after a step,
        or for a wait inside one): what a thread holds that others need is let go there."""
        if count < 1:
            raise ValueError(f"at least one turn is needed, not {count}")
        self.on_release = on_release
        self._free = count
        self._queue: collections.deque[_Ticket] = collections.deque()
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Holds a turn for the calling thread meanwhile.

        Raises:
            Stopping: :meth:`stop` was called before a turn was free.
        """
        self._hold()
        try:
            yield
        finally:
            if _current() is self:  # not when a wait inside gave it up and stopping took none again
                self._let_go()

    @property
    def waiting(self) -> int:
        """How many threads wait for a turn: cycles ready to work while every turn is taken."""
        with self._lock:
            return len(self._queue)

    def stop(self) -> None:
        """Every thread waiting for a turn or pausing raises :class:`Stopping`."""
        self._stopped.set()
        with self._lock:
            called, self._queue = list(self._queue), collections.deque()
        for ticket in called:
            ticket.called.set()

    def rest(self, seconds: float) -> bool:
        """Waits ``seconds`` holding no turn; False if the daemon began to stop meanwhile."""
        return not self._stopped.wait(seconds)

    def _hold(self) -> None:
        """Takes a turn for the calling thread."""
        self._take()
        _held.turns = self

    def _let_go(self) -> None:
        """Gives the calling thread's turn back, and what it holds besides (``on_release``)."""
        _held.turns = None
        self._give()
        self.on_release()

    def _take(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                raise Stopping
            if self._free and not self._queue:
                self._free -= 1
                return
            ticket = _Ticket()
            self._queue.append(ticket)
        ticket.called.wait()
        if not ticket.handed:
            raise Stopping

    def _give(self) -> None:
        with self._lock:
            if not self._queue:
                self._free += 1
                return
            ticket = self._queue.popleft()
            ticket.handed = True
        ticket.called.set()


_held = threading.local()


def _current() -> Turns | None:
    return getattr(_held, "turns", None)


@contextmanager
def released() -> Iterator[None]:
    """Gives up the calling thread's turn meanwhile, if it holds one, and takes one again after.

    Raises:
        Stopping: the daemon began to stop before a turn was free again.
    """
    turns = _current()
    if turns is None:
        yield
        return
    turns._let_go()
    try:
        yield
    finally:
        turns._hold()


def pause(seconds: float) -> None:
    """Sleeps ``seconds``, holding no turn meanwhile.

    Raises:
        Stopping: the daemon began to stop (in a thread holding a turn).
    """
    turns = _current()
    if turns is None:
        time.sleep(seconds)
        return
    with released():
        if not turns.rest(seconds):
            raise Stopping
