"""A glance at QuickBooks for Status: its company settings as they are now, and whether
someone removed a synced item there since the last run.

A run stores the settings checks it reads on the connection; between runs a person may
fix a setting in QuickBooks, and the Action required banner would say "off" until the
next sync. Status therefore reads QBO's Preferences again once the checks this daemon
last read are ``MAX_AGE`` old: one GET, sent once (no retries, a short timeout), so a
slow or refusing QuickBooks (down, a 401) leaves the stored checks standing instead of
slowing the page. The read is outside any run, so it writes the one column with a plain
update and takes no lease.

On the same read it asks QBO's Change Data Capture what changed since the connection's
CDC point (or since the point its last glance covered, if later): one more GET, sent
alike. A synced item deleted or made inactive there is not marked here, since only the
holder of the connection's lease writes links: the glance asks for a run at once
(trigger ``removed_in_qbo``), whose first step finds the item and marks it broken, so it
appears without waiting for the next scheduled sync.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from billsync.daemon.errors import AuthorizationLost, Unavailable
from billsync.daemon.http import Http, RetryPolicy
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QboFault, QuickBooks
from billsync.daemon.store.models import Connection, Link, LinkState, utcnow
from billsync.daemon.sync import broken
from billsync.daemon.sync.providers import Providers

#: Seconds the checks read stay fresh: a page reloaded within them asks QuickBooks nothing.
MAX_AGE = 60.0
#: Seconds one Preferences or CDC read may take before the stored checks are shown instead.
TIMEOUT = 3.0
#: What a run asked for by a glance that saw a synced item removed in QuickBooks is called.
TRIGGER = "removed_in_qbo"

#: ``Scheduler.request``: makes a connection due now, naming why.
RequestRun = Callable[[int, str], None]


class QboGlance:
    """Reads a connected connection's settings checks, and its removals in QBO, at most once
    per ``MAX_AGE``, failed reads included, through the daemon's token source and rate
    limiter."""

    def __init__(self, providers: Providers, request_run: RequestRun) -> None:
        self.providers = providers
        self.request_run = request_run
        self.http = Http(TIMEOUT, RetryPolicy(max_attempts=1), observe=providers.http.observe)
        self._tried: dict[int, float] = {}
        self._read_at: dict[int, dt.datetime] = {}
        #: Per connection, the CDC point up to which a glance looked for removals.
        self._looked: dict[int, dt.datetime] = {}
        self._lock = threading.Lock()

    def checks(self, connection: Connection) -> tuple[list[dict], dt.datetime | None]:
        """The connection's checks, read again when due, and when they were read (None when
        this daemon has not read them: they are the last run's)."""
        if connection.state == "connected" and self._due(connection.id):
            self._read(connection)
        return connection.qbo_checks or [], self._read_at.get(connection.id)

    def _due(self, connection_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            tried = self._tried.get(connection_id)
            if tried is not None and now - tried < MAX_AGE:
                return False
            self._tried[connection_id] = now
            return True

    def _read(self, connection: Connection) -> None:
        qbo = self.providers.quickbooks_on(connection, self.http)
        try:
            checks = qbo_settings.read_checks(qbo.preferences())
            self._read_at[connection.id] = utcnow()
            qbo_settings.record(connection, checks)
            if self._removed(connection, qbo):
                self.request_run(connection.id, TRIGGER)
        except (QboFault, AuthorizationLost, Unavailable):
            return  # the next run meets the same problem and says it

    def _removed(self, connection: Connection, qbo: QuickBooks) -> bool:
        """Whether CDC reports an object of a synced link deleted, or a synced customer
        made inactive, since the connection's CDC point or this glance's last one.

        None is looked for while the point is unknown or older than CDC keeps changes:
        the next run then scans. CDC answers at most 1,000 objects; ``broken.changes``
        then asks entity by entity, which only the first glance after a large sync meets,
        as each glance moves its own point on to QBO's time of the answer.
        """
        since = max(filter(None, [connection.cdc_since, self._looked.get(connection.id)]), default=None)
        if broken.too_old(since):
            return False
        answered, as_of = broken.changes(qbo, since)
        if as_of is not None:
            self._looked[connection.id] = as_of - broken.GRAIN
        for entity, removals in answered.items():
            if removals and _synced(connection, broken.ENTITY_KIND[entity], list(removals)):
                return True
        return False


def _synced(connection: Connection, kind: str, qbo_ids: list[str]) -> bool:
    """Whether any of ``qbo_ids`` (at most CDC's 1,000) is the object of a synced link."""
    return (
        Link.select()
        .where(
            Link.connection == connection,
            Link.kind == kind,
            Link.state == LinkState.SYNCED,
            Link.qbo_id.in_(qbo_ids),
        )
        .exists()
    )
