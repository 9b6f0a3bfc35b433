"""QuickBooks' company settings as they are now, for Status.

A run stores the settings checks it reads on the connection; between runs a person may
fix a setting in QuickBooks, and the Action required banner would say "off" until the
next sync. Status therefore reads QBO's Preferences again once the checks this daemon
last read are ``MAX_AGE`` old: one GET, sent once (no retries, a short timeout), so a
slow or refusing QuickBooks (down, a 401) leaves the stored checks standing instead of
slowing the page. The read is outside any run, so it writes the one column with a plain
update and takes no lease.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from billsync.daemon.errors import AuthorizationLost, Unavailable
from billsync.daemon.http import Http, RetryPolicy
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.qbo.client import QboFault, QuickBooks
from billsync.daemon.store.models import Connection, utcnow
from billsync.daemon.sync.providers import Providers

#: Seconds the checks read stay fresh: a page reloaded within them asks QuickBooks nothing.
MAX_AGE = 60.0
#: Seconds one Preferences read may take before the stored checks are shown instead.
TIMEOUT = 3.0


class SettingsGlance:
    """Reads a connected connection's settings checks at most once per ``MAX_AGE``, failed
    reads included, through the daemon's token source and rate limiter."""

    def __init__(self, providers: Providers) -> None:
        self.providers = providers
        self.http = Http(TIMEOUT, RetryPolicy(max_attempts=1), observe=providers.http.observe)
        self._tried: dict[int, float] = {}
        self._read_at: dict[int, dt.datetime] = {}
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
        shared, _ = self.providers.clients(connection)
        qbo = QuickBooks(
            self.providers.config.qbo_api_url, connection.qbo_realm_id, shared.tokens, shared.limiter, http=self.http
        )
        try:
            checks = qbo_settings.read_checks(qbo.preferences())
        except (QboFault, AuthorizationLost, Unavailable):
            return  # the next run meets the same problem and says it
        self._read_at[connection.id] = utcnow()
        qbo_settings.record(connection, checks)
