"""The daemon's Prometheus metrics: one registry per daemon, served on ``BILLSYNC_METRICS_ADDRESS``.

What happens (runs, objects written, requests, limiter waits, batch latency, takeovers) is
counted here as it happens, labelled by connection. What the database already knows (links
per state, token expiry, lease ownership, how far Clio is synced) is read from it at each
scrape by ``observe.collector``, so it can never drift from the truth. Each daemon has its
own registry, not prometheus_client's global one: tests run several daemons in one process.

Labels stay bounded: a connection id, an enum value, a route template (``observe.requests``),
never a raw URL or a record's id.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from billsync.daemon.errors import ConfigError
from billsync.daemon.observe import context
from billsync.daemon.observe.collector import StoreCollector
from billsync.daemon.observe.logs import concerning
from billsync.daemon.turns import Turns
from billsync.serving import BackgroundServer

log = logging.getLogger(__name__)

#: Seconds; QBO answers a batch of 30 in about one to five, and gives up after 120.
BATCH_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    """The counters of one daemon, and the hooks that move them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "billsync_runs", "Sync runs ended, by outcome.", ["connection", "outcome"], registry=self.registry
        )
        self.written = Counter(
            "billsync_objects_written",
            "Objects written to QBO, by kind and result (created, updated, failed), as a run's progress counts them.",
            ["connection", "kind", "result"],
            registry=self.registry,
        )
        self.requests = Counter(
            "billsync_api_requests",
            "Requests sent to QBO and Clio (every attempt, retries included), by endpoint template and HTTP status.",
            ["connection", "api", "method", "endpoint", "status"],
            registry=self.registry,
        )
        self.limiter_wait = Counter(
            "billsync_limiter_wait_seconds",
            "Seconds the QBO rate limiter held requests back to stay under QBO's limits.",
            ["connection"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "billsync_qbo_batch_seconds",
            "Seconds a QBO batch request took to be answered.",
            ["connection"],
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.takeovers = Counter(
            "billsync_lease_takeovers",
            "Connections this daemon took over from a daemon that died or stalled in a run.",
            ["connection"],
            registry=self.registry,
        )

    def count_waiting(self, turns: Turns) -> None:
        """Reports how many cycles wait for one of the scheduler's ``turns`` at each scrape."""
        Gauge(
            "billsync_cycles_waiting_for_a_turn",
            "Cycles ready to step while every BILLSYNC_WORKERS turn is taken (this daemon's, unlabelled).",
            registry=self.registry,
        ).set_function(lambda: turns.waiting)

    def object_written(self, kind: str, result: str) -> None:
        """Counts an op a run finished with a write (created, updated) or a failure."""
        self.written.labels(context.connection_label(), kind, result).inc()

    def waited(self, seconds: float) -> None:
        """Counts seconds the rate limiter made a request of this context wait."""
        self.limiter_wait.labels(context.connection_label()).inc(seconds)

    def run_ended(self, connection_id: int, run_id: int, outcome: str) -> None:
        """Counts and logs the end of a run: succeeded, failed or interrupted. Why it failed
        is the run's error, shown by Status: it may quote a client's name, so it is not logged."""
        self.runs.labels(str(connection_id), outcome).inc()
        log.info("run %s", outcome, extra=concerning(connection=connection_id, run=run_id, outcome=outcome))

    def took_over(self, connection_id: int, run_id: int) -> None:
        """Counts and logs a claim that found a run of another daemon still marked running."""
        self.takeovers.labels(str(connection_id)).inc()
        log.warning(
            "took the connection over from a daemon that stopped in a run",
            extra=concerning(connection=connection_id, run=run_id),
        )

    def serve(self, address: str, owner: str) -> BackgroundServer:
        """Serves ``/metrics`` (any path, in fact) on ``host:port`` (port 0 picks a free one),
        with the gauges read from the database for the daemon whose leases ``owner`` names."""
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"BILLSYNC_METRICS_ADDRESS must be host:port, not {address!r}")
        self.registry.register(StoreCollector(owner))
        server = BackgroundServer(make_wsgi_app(self.registry), host=host.strip("[]"), port=int(port), threads=2)
        log.info("serving metrics on %s/metrics", server.url)
        return server.start()
