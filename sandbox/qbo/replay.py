"""``requestid``: a write QBO has seen is answered again, never applied again.

Intuit ("Request ID update for QuickBooks Online integration", Intuit Developer blog, 6 April
2015): "If the service receives another request with the same RequestID, instead of performing
the operation again or returning an error, the service sends the same response as it did for
the original request"; the id is unique per company, for a client that "loses its connection
and does not receive the response". The answer kept is therefore the one the service made,
which its client may never have read (see the ``after_*`` faults), and only a request that
was applied leaves one: a 5xx or a fault leaves nothing to replay.

*Doubt*: Intuit does not say what becomes of a second request arriving while the first is
still being applied, as when a client gives up waiting and sends again at once. Remembering
finished requests only would apply that one twice, the duplicate the id exists to prevent;
here it waits for the first to end and gets its answer (or, if the first left none, goes
ahead itself).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from billsync.sandbox.qbo.store import Store

Reply = tuple[int, str]
"""A kept answer: HTTP status and JSON text."""


class Replays:
    """The answers kept per company (in the store, so they persist with it) and the
    ``requestid`` of every request in flight."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._changed = threading.Condition()
        self._running: set[tuple[str, str]] = set()
        self._waiting: list[dict[str, str]] = []

    @property
    def waiting(self) -> list[dict[str, str]]:
        """Requests waiting for an identical one in flight, by ``realm_id`` and ``requestid``."""
        with self._changed:
            return [dict(w) for w in self._waiting]

    @contextmanager
    def claim(self, realm_id: str, key: str) -> Iterator[Reply | None]:
        """Yields the answer kept for ``key``, once no identical request is in flight, or
        None when there is none: then ``key`` is this request's until the block ends, and
        an identical one arriving meanwhile waits for what it leaves. No key, no claim."""
        pair = (realm_id, key)
        with self._changed:
            if key and pair in self._running:
                waiting = {"realm_id": realm_id, "requestid": key}
                self._waiting.append(waiting)
                self._changed.wait_for(lambda: pair not in self._running)
                self._waiting.remove(waiting)
            kept = self._kept(realm_id, key)
            claimed = bool(key) and kept is None
            if claimed:
                self._running.add(pair)
        try:
            yield kept
        finally:
            if claimed:
                with self._changed:
                    self._running.discard(pair)
                    self._changed.notify_all()

    def keep(self, realm_id: str, key: str, reply: Reply) -> None:
        """Remember an applied request's answer for its ``requestid``."""
        company = self.store.company(realm_id)
        if key and company is not None:
            with self.store.lock:
                company.replies[key] = list(reply)

    def _kept(self, realm_id: str, key: str) -> Reply | None:
        company = self.store.company(realm_id)
        if not key or company is None:
            return None
        with self.store.lock:
            saved = company.replies.get(key)
        return (saved[0], saved[1]) if saved else None
