"""The alert worker: a thread of its own that looks at connections and sends the outbox.

A sync worker only *notices* a connection when a run ends (:meth:`AlertWorker.notice`,
which takes a lock and returns); the worker then evaluates it from the database and
sends what that queued, so a slow mail server or a receiver that times out never holds
a sync. Every few minutes it looks at every connection too: conditions that arise
outside a run (a Clio webhook sweep) and the daily digest are found that way. Messages
that fail are tried again with exponential backoff and jitter, and given up after the
last attempt with an event in the connection's activity log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import threading
import time

import httpx

from billsync.daemon.alerts import conditions, outbox
from billsync.daemon.alerts.delivery import DeliveryFailed, Message, send
from billsync.daemon.config import Config
from billsync.daemon.store import events
from billsync.daemon.store.clock import database_time
from billsync.daemon.store.models import AlertDelivery, Connection

log = logging.getLogger(__name__)

#: Seconds between two looks at every connection.
SWEEP = 300.0
#: Seconds between two looks at the outbox when nothing is due sooner (other daemons queue too).
POLL = 60.0
#: How long an attempt holds its message from the other daemons' workers.
HOLD = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class Backoff:
    """When a failed message is tried again: ``base`` seconds after the first failure,
    doubling up to ``cap``, each wait drawn from its upper half; none after ``attempts``."""

    base: float = 30.0
    cap: float = 3600.0
    attempts: int = 10

    def after(self, attempts: int) -> float | None:
        """Seconds before the next attempt, once ``attempts`` failed; None to give up."""
        if attempts >= self.attempts:
            return None
        ceiling = min(self.cap, self.base * 2 ** (attempts - 1))
        return ceiling * (0.5 + random.random() / 2)


class AlertWorker:
    """Evaluates the connections noticed and sends the outbox, in one background thread."""

    def __init__(
        self,
        config: Config,
        *,
        backoff: Backoff = Backoff(),
        sweep: float = SWEEP,
        poll: float = POLL,
    ) -> None:
        self.config = config
        self.backoff = backoff
        self.sweep = sweep
        self.poll = poll
        self.http = httpx.Client(follow_redirects=False)
        self._noticed: set[int] = set()
        self._changed = threading.Condition()
        self._poked = self._stopping = False
        self._begun = self._ended = 0  # passes, see await_idle
        self._next_sweep = 0.0
        self._thread: threading.Thread | None = None

    def start(self) -> AlertWorker:
        self._thread = threading.Thread(target=self._loop, name="alerts", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self.join(timeout)
        self.http.close()

    def join(self, timeout: float) -> bool:
        """Waits until the worker's thread has ended; False if it still runs after ``timeout``."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def notice(self, connection_id: int) -> None:
        """Asks for the connection to be evaluated; returns at once."""
        with self._changed:
            self._noticed.add(connection_id)
            self._changed.notify_all()

    def await_idle(self, timeout: float) -> bool:
        """Waits until a pass that began after this call has ended: by then every connection
        noticed before the call was evaluated, and every message due was attempted. How a
        test shows that nothing was sent, without sleeping. False if ``timeout`` passed first."""
        with self._changed:
            after = self._begun
            self._poked = True
            self._changed.notify_all()
            return self._changed.wait_for(lambda: self._ended > after, timeout)

    def _loop(self) -> None:
        wait = 0.0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stopping or self._noticed or self._poked, wait)
                if self._stopping:
                    return
                noticed, self._noticed, self._poked = self._noticed, set(), False
                self._begun += 1
            try:
                wait = self._pass(noticed)
            except Exception:  # noqa: BLE001 - the worker must outlive a database hiccup
                log.exception("an alerts pass failed")
                wait = self.poll
            with self._changed:
                self._ended += 1
                self._changed.notify_all()

    def _pass(self, noticed: set[int]) -> float:
        """Evaluates, then delivers; returns the seconds until there is work again."""
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.sweep
            noticed |= {c.id for c in Connection.select(Connection.id).where(Connection.state != "revoked")}
        for connection_id in sorted(noticed):
            try:
                self.evaluate(connection_id)
            except Exception:  # noqa: BLE001 - the next notice or sweep tries again
                log.exception("evaluating the alerts of connection %s failed", connection_id)
        for delivery in outbox.due(database_time()):
            self._attempt(delivery)
        soonest = outbox.next_due()
        until_due = (soonest - database_time()).total_seconds() if soonest else self.poll
        return max(0.0, min(until_due, self.poll, self._next_sweep - time.monotonic()))

    def evaluate(self, connection_id: int) -> int:
        """Queues the messages the connection's state calls for; returns how many."""
        connection = Connection.get_or_none(Connection.id == connection_id)
        if connection is None:
            return 0
        facts = outbox.facts_of(connection)
        today = database_time().date()  # the digest's day, the same for every daemon
        return outbox.announce(facts, conditions.evaluate(facts), self.config.panel_url, today)

    def _attempt(self, delivery: AlertDelivery) -> None:
        """One attempt at one message, unless another daemon's worker took it first."""
        if not outbox.claim(delivery, database_time() + HOLD):
            return
        subscription = delivery.subscription
        connection = subscription.connection
        message = Message(
            id=delivery.id,
            topic=delivery.topic,
            connection_id=connection.id,
            connection_name=connection.name,
            subject=delivery.subject,
            text=delivery.text,
            link=delivery.link,
        )
        try:
            send(self.config, self.http, subscription, message)
        except DeliveryFailed as e:
            wait = self.backoff.after(delivery.attempts + 1)
            retry_at = None if wait is None else database_time() + dt.timedelta(seconds=wait)
            outbox.settle(delivery, str(e), retry_at)
            log.warning(
                "alert %s (%s) of connection %s not delivered, attempt %s",
                delivery.id,
                delivery.topic,
                connection.id,
                delivery.attempts + 1,
            )
            if wait is None:
                events.record(
                    connection,
                    "alerts.undelivered",
                    f"The alert “{delivery.subject}” to {subscription.target} was given up after "
                    f"{delivery.attempts + 1} attempts: {e}",
                )
            return
        outbox.settle(delivery, "", None)
        log.info("alert %s (%s) of connection %s delivered", delivery.id, delivery.topic, connection.id)
