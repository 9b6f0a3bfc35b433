"""Fault injection shared by both emulators: server errors, slow answers, dropped connections.

A client that only ever meets a healthy API has untested retry code. Each emulator asks a
:class:`FaultInjector` once per request whether to misbehave; "slow" and "drop" are done
here the same way for both, while "error" is left to the emulator because QBO and Clio
shape their 5xx bodies differently.

Dropping a connection must send *nothing*, not even a status line, which WSGI cannot
express. The sandbox serves with waitress, which closes the socket without a response when
the application raises its ``ClientDisconnected``; :class:`DroppedConnection` is that
exception, so raising it from a view looks to the client exactly like a network failure.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import NoReturn

from waitress.channel import ClientDisconnected

KINDS = ("error", "slow", "drop")


@dataclass(frozen=True)
class FaultConfig:
    """How often and how an emulator misbehaves.

    Attributes:
        rate: probability in [0, 1] that a request is faulted.
        kinds: the faults to choose from, uniformly.
        slow_seconds: delay added to a "slow" request (real seconds, not time-scaled,
            because it exists to trip client timeouts).
        seed: makes the sequence of draws reproducible for tests.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    slow_seconds: float = 2.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {KINDS}, got {self.kinds}")


class DroppedConnection(ClientDisconnected):
    """Raised by a view to make the server close the socket without answering."""


def drop_connection() -> NoReturn:
    """Abort the current request so the client sees the connection closed, no response."""
    raise DroppedConnection("fault injection: connection dropped")


class FaultInjector:
    """Thread-safe random fault source that can be reconfigured while the server runs."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
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
