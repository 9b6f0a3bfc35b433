"""Clients of both APIs for one connection, with tokens that live in its database row."""

from __future__ import annotations

import threading
from typing import Any

from billsync.daemon.alerts.worker import AlertWorker
from billsync.daemon.auth.oauth import OAuth, Provider
from billsync.daemon.auth.tokens import TokenSource
from billsync.daemon.clio.client import Clio
from billsync.daemon.config import Config
from billsync.daemon.http import Http
from billsync.daemon.observe.metrics import Metrics
from billsync.daemon.observe.requests import RequestObserver
from billsync.daemon.qbo.client import QuickBooks
from billsync.daemon.ratelimit import RateLimiter
from billsync.daemon.store.models import Connection

TOKEN_COLUMN = {"qbo": Connection.qbo_tokens, "clio": Connection.clio_tokens}


def token_source(config: Config, oauth: OAuth, connection_id: int, provider: Provider) -> TokenSource:
    """Tokens read afresh from the row and saved to it at once after every refresh."""
    column = TOKEN_COLUMN[provider]

    def load() -> dict[str, Any] | None:
        row = Connection.select(column).where(Connection.id == connection_id).first()
        return getattr(row, column.name) if row else None

    def save(tokens: dict[str, Any]) -> None:
        Connection.update({column: tokens}).where(Connection.id == connection_id).execute()

    return TokenSource(provider, load, save, config, oauth=oauth)


class Providers:
    """API clients per connection, kept while its authorization lasts.

    One limiter for the whole process keeps every realm under QBO's limits, and one
    token source per connection and provider means concurrent 401s cause one refresh.
    All connections share one HTTP client (its connection pool and TLS context): a client
    of their own would cost each connection about 1.6 MiB (bench: ``python -m bench scale``).
    Both report to the daemon's ``metrics`` (a registry of their own when none is given).
    The end of each run is noticed by ``alerts`` (a worker that is never started, so
    evaluates nothing, when none is given).
    """

    def __init__(self, config: Config, metrics: Metrics | None = None, alerts: AlertWorker | None = None) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.alerts = alerts or AlertWorker(config)
        self.http = Http(observe=RequestObserver.for_config(self.metrics, config))
        self.oauth = OAuth(config, self.http)
        self.limiter = RateLimiter(time_scale=config.time_scale, on_wait=self.metrics.waited)
        self._clients: dict[tuple[int, str], tuple[QuickBooks, Clio]] = {}
        self._lock = threading.Lock()

    def clients(self, connection: Connection) -> tuple[QuickBooks, Clio]:
        key = (connection.id, connection.qbo_realm_id)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = (self.quickbooks(connection), self.clio(connection))
            return self._clients[key]

    def forget(self, connection_id: int) -> None:
        """Drops the clients of a connection whose authorization changed."""
        with self._lock:
            for key in [k for k in self._clients if k[0] == connection_id]:
                del self._clients[key]

    def quickbooks(self, connection: Connection, tokens: TokenSource | None = None) -> QuickBooks:
        tokens = tokens or token_source(self.config, self.oauth, connection.id, "qbo")
        return QuickBooks(self.config.qbo_api_url, connection.qbo_realm_id, tokens, self.limiter, http=self.http)

    def quickbooks_on(self, connection: Connection, http: Http) -> QuickBooks:
        """The connection's QBO client on ``http`` (other timeouts and retries), sharing its
        token source and the realm's rate limiter with the client every run uses."""
        shared, _ = self.clients(connection)
        return QuickBooks(self.config.qbo_api_url, connection.qbo_realm_id, shared.tokens, shared.limiter, http=http)

    def clio(self, connection: Connection, tokens: TokenSource | None = None) -> Clio:
        return Clio(
            self.config.clio_url, tokens or token_source(self.config, self.oauth, connection.id, "clio"), http=self.http
        )
