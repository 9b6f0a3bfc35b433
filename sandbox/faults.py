"""Fault injection shared by both emulators: server errors, slow answers, dropped connections.

A client that only ever meets a healthy API has untested retry code. Each emulator asks a
:class:`FaultInjector` once per request whether to misbehave; "slow" and "drop" are done
here the same way for both, while "error" is left to the emulator because QBO and Clio
shape their 5xx bodies differently.

Dropping a connection must send *nothing*, not even a status line, which WSGI cannot
express. The sandbox serves with waitress, which closes the socket without a response when
the application raises its ``ClientDisconnected``; :class:`DroppedConnection` is that
exception, so raising it from a view looks to the client exactly like a network failure.

A :class:`Hold` is the deterministic counterpart of a slow answer: it parks requests until
a test releases them, so the test can act while a client provably waits on one. A parked
request is executing as far as its client can tell, so it is bound by the service's
execution limit: held past it, it gives up unapplied (:class:`HeldTooLong`), as a request
the service timed out does.

The faults above strike before a request is applied. The ``after_*`` settings strike a write
*after* it was applied, the case that makes duplicates: the service did the work and the
client never learns it (an answer lost on the way back, intuit/QuickBooks-V3-DotNET-SDK issue
#373: "The Response Stream was null or empty" after a batch that did run). The emulator that
takes writes draws them with :meth:`FaultInjector.draw_after` once a write is done.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import NoReturn

from waitress.channel import ClientDisconnected

KINDS = ("error", "slow", "drop")
#: How an applied write loses its answer: a 5xx instead, the connection closed without one,
#: or (a batch) an answer that leaves out one of the items it ran.
AFTER_KINDS = ("error", "drop", "omit")


@dataclass(frozen=True)
class FaultConfig:
    """How often and how an emulator misbehaves.

    Attributes:
        rate: probability in [0, 1] that a request is faulted.
        kinds: the faults to choose from, uniformly.
        slow_seconds: delay added to a "slow" request (real seconds, not time-scaled,
            because it exists to trip client timeouts).
        seed: makes the sequence of draws reproducible for tests.
        after_rate: probability in [0, 1] that a write, once applied, loses its answer.
        after_kinds: how it loses it, chosen uniformly among those the request can take
            ("omit" needs a batch).
        after_next: that many writes from now on lose their answer whatever ``after_rate``
            says; it counts down as they do, so a test strikes exactly the writes it means to.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    slow_seconds: float = 2.0
    seed: int | None = None
    after_rate: float = 0.0
    after_kinds: tuple[str, ...] = AFTER_KINDS
    after_next: int = 0

    def __post_init__(self) -> None:
        _check("fault", self.rate, self.kinds, KINDS)
        _check("after-fault", self.after_rate, self.after_kinds, AFTER_KINDS)
        if self.after_next < 0:
            raise ValueError(f"after_next counts writes, got {self.after_next}")


def _check(what: str, rate: float, kinds: tuple[str, ...], known: tuple[str, ...]) -> None:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{what} rate must be within [0, 1], got {rate}")
    if set(kinds) - set(known) or not kinds:
        raise ValueError(f"{what} kinds must be a non-empty subset of {known}, got {kinds}")


class DroppedConnection(ClientDisconnected):
    """Raised by a view to make the server close the socket without answering."""


def drop_connection() -> NoReturn:
    """Abort the current request so the client sees the connection closed, no response."""
    raise DroppedConnection("fault injection: connection dropped")


class FaultInjector:
    """Thread-safe random fault source that can be reconfigured while the server runs."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._lost: collections.Counter[str] = collections.Counter()
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings; a seed restarts the random sequence."""
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)

    def draw(self) -> str | None:
        """Return the fault to inflict on this request, or None for a healthy answer."""
        with self._lock:
            config = self._config
            if config.rate <= 0.0 or self._random.random() >= config.rate:
                return None
            return self._random.choice(config.kinds)

    def inject(self) -> bool:
        """Draw and carry out "slow" and "drop" here.

        Returns:
            True when the caller must answer with its own API's server error; False when
            the request should proceed (possibly after a delay).

        Raises:
            DroppedConnection: for "drop"; let it propagate to the server.
        """
        kind = self.draw()
        if kind == "slow":
            time.sleep(self._config.slow_seconds)
        elif kind == "drop":
            drop_connection()
        return kind == "error"

    def draw_after(self, batch: bool) -> str | None:
        """Return how this write, just applied, loses its answer ("error", "drop" or, for a
        ``batch``, "omit"), or None when it keeps it. The emulator carries it out: only it
        knows what answering means. A write that can take none of ``after_kinds`` is left
        alone and does not count down ``after_next``."""
        with self._lock:
            config = self._config
            kinds = [kind for kind in config.after_kinds if batch or kind != "omit"]
            if not kinds:
                return None
            if config.after_next > 0:
                self._config = replace(config, after_next=config.after_next - 1)
            elif config.after_rate <= 0.0 or self._random.random() >= config.after_rate:
                return None
            kind = self._random.choice(kinds)
            self._lost[kind] += 1
            return kind

    def lost(self, *, forget: bool = False) -> dict[str, int]:
        """The answers the ``after_*`` settings took so far, by how ("error", "drop",
        "omit"); with ``forget`` the count starts again from nothing."""
        with self._lock:
            counts = dict(self._lost)
            if forget:
                self._lost.clear()
            return counts


class HeldTooLong(Exception):
    """A held request reached its execution limit before the hold was released."""


class Hold:
    """Parks requests until released: how a test catches a client in the middle of a request.

    A timed fault ("slow") leaves a test guessing whether its client is still waiting when
    it acts; a hold does not. While :attr:`on`, each request passing through :meth:`held`
    waits there; switching off lets every waiting one go on as if it had just arrived.
    :attr:`caught` lists the requests caught and not yet answered, so a test can wait for
    a catch (then kill the client, fill the remaining slots, ...) and, after releasing,
    for every caught request to have been answered. A hold may be narrowed to requests
    about some entities (:attr:`entities`), to catch a client at one stage of its work.
    It catches batch requests, and with :attr:`writes` single writes too.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._caught: list[dict[str, str | int]] = []
        self._arrivals = 0
        self.on = False
        #: The entities a request must touch one of to be caught; empty: any request.
        self.entities: frozenset[str] = frozenset()
        #: Whether single writes are caught as well as batches.
        self.writes = False

    def switch(self, on: bool, entities: Iterable[str] = (), *, writes: bool = False) -> None:
        """Start holding batch requests (and with ``writes`` single writes; only requests
        about ``entities``, if any are named), or release every request held and stop."""
        with self._changed:
            self.on = on
            self.entities = frozenset(entities) if on else frozenset()
            self.writes = on and writes
            self._changed.notify_all()

    @property
    def caught(self) -> list[dict[str, str | int]]:
        """The requests caught, each numbered (``n``) in the order they arrived."""
        with self._changed:
            return [dict(c) for c in self._caught]

    @contextmanager
    def held(
        self, batch: bool, limit: float, *, write: bool = False, entities: Iterable[str] = (), **what: str
    ) -> Iterator[None]:
        """Wrap serving a request about ``entities``: if the hold is on for them and for the
        request (a ``batch``, or a single ``write`` while :attr:`writes`), wait for the release
        first, at most ``limit`` seconds (then raise :class:`HeldTooLong`); ``what`` and the
        entities describe the request in :attr:`caught` until it has been served."""
        entities = sorted(set(entities))
        with self._changed:
            caught: dict[str, str | int] | None = None
            applies = batch or (write and self.writes)
            if applies and self.on and (not self.entities or self.entities.intersection(entities)):
                self._arrivals += 1
                caught = {**what, "entities": ",".join(entities), "n": self._arrivals}
                self._caught.append(caught)
                if not self._changed.wait_for(lambda: not self.on, timeout=limit):
                    self._caught = [c for c in self._caught if c is not caught]
                    raise HeldTooLong(f"held longer than the execution limit of {limit:g} s")
        try:
            yield
        finally:
            if caught is not None:
                with self._changed:
                    self._caught = [c for c in self._caught if c is not caught]
